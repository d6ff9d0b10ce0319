import Domain
import Foundation
import Postgres
import Testing

@Suite struct AccountRepositoryTests {
    @Test func cursorsRoundTripAndBadOnesAreRejected() throws {
        let cursor = PageCursor(createdAt: Date(timeIntervalSince1970: 1_780_000_000.123456), id: UUID())
        let decoded = try #require(PageCursor(encoded: cursor.encoded))
        #expect(decoded == cursor)
        #expect(PageCursor(encoded: "nope") == nil)
        #expect(PageCursor(encoded: String(cursor.encoded.dropLast()) + "!") == nil)
        let problems = PageRequest(cursor: "garbage", limit: 0).problems.map(\.field)
        #expect(problems == ["limit", "cursor"])
    }

    @Test func listPagesNewestFirstAndFiltersByStatusAndLabel() async throws {
        try await withMigratedSchema { client in
            let repository = AccountRepository(client: client)
            var made: [Account] = []
            for index in 0..<5 { made.append(try await Fixtures.account(client, nickname: "c\(index)", labels: index.isMultiple(of: 2) ? ["team:a"] : [])) }
            _ = try await repository.setStatus(id: made[1].id, .cooldown, reason: "rate", cooldownUntil: Date().addingTimeInterval(60))
            var seen: [UUID] = []
            var page = try await repository.list(page: PageRequest(limit: 2))
            seen += page.items.map(\.id)
            while let next = page.nextCursor {
                page = try await repository.list(page: PageRequest(cursor: next, limit: 2))
                seen += page.items.map(\.id)
            }
            #expect(seen == made.reversed().map(\.id))
            #expect(try await repository.list(label: "team:a").items.map(\.nickname).sorted() == ["c0", "c2", "c4"])
            #expect(try await repository.list(status: .cooldown).items.map(\.id) == [made[1].id])
            await expectDomainError(.invalidInput) { _ = try await repository.list(label: "Bad Label") }
            await expectDomainError(.invalidInput) { _ = try await repository.list(page: PageRequest(cursor: "x")) }
        }
    }

    @Test func updateValidatesEveryFieldAndDisablesAndEnables() async throws {
        try await withMigratedSchema { client in
            let repository = AccountRepository(client: client)
            let account = try await Fixtures.account(client)
            let error = await expectDomainError(.invalidInput) {
                _ = try await repository.update(id: account.id, .init(labels: ["ok", "NOT OK", "ok"], timezone: "Mars/Base", dailyCap: 1001))
            }
            #expect(Set(error?.details.map(\.field) ?? []) == ["labels[1]", "labels[2]", "timezone", "daily_cap"])
            let updated = try await repository.update(id: account.id, .init(labels: ["a", "b:c"], timezone: "Europe/Paris", dailyCap: 3))
            #expect(updated.labels == ["a", "b:c"] && updated.timezone == "Europe/Paris" && updated.dailyCap == 3)
            let disabled = try await repository.update(id: account.id, .init(disabled: true))
            #expect(disabled.status == .disabled && disabled.labels == ["a", "b:c"])
            let enabled = try await repository.update(id: account.id, .init(disabled: false))
            #expect(enabled.status == .active && enabled.statusReason == nil)
            await expectDomainError(.notFound) { _ = try await repository.update(id: UUID(), .init(dailyCap: 1)) }
        }
    }

    @Test func upsertByOpenIDKeepsOneRowAndStoresTokensApart() async throws {
        try await withMigratedSchema { client in
            let repository = AccountRepository(client: client)
            let first = try await Fixtures.account(client, openID: "same", labels: ["x"])
            _ = try await repository.setStatus(id: first.id, .needsReauth, reason: "token revoked")
            let tokens = Fixtures.tokens(expiresIn: 3600, refresh: false)
            let again = try await repository.upsertConnected(
                ConnectedAccount(openID: "same", nickname: "Renamed", username: "handle", scopes: ["video.upload"], tokens: tokens,
                                 creatorInfo: ["max_video_post_duration_sec": .number(600)], labels: ["y", "x"]))
            #expect(again.id == first.id && again.status == .active && again.nickname == "Renamed")
            #expect(again.labels == ["x", "y"])
            #expect(again.creatorInfo["max_video_post_duration_sec"] == .number(600))
            let stored = try #require(try await repository.tokens(id: first.id))
            #expect(stored.accessTokenCiphertext == tokens.accessTokenCiphertext && stored.refreshTokenCiphertext == nil && stored.keyID == "k1")
            #expect(!stored.description.contains("sealed"))
            let error = await expectDomainError(.invalidInput) {
                _ = try await repository.upsertConnected(ConnectedAccount(
                    openID: "", nickname: "n", username: nil, scopes: [],
                    tokens: AccountTokens(accessTokenCiphertext: Data(), accessTokenExpiresAt: Date(timeIntervalSinceNow: -5),
                                          refreshTokenCiphertext: nil, refreshTokenExpiresAt: nil, keyID: "k"), labels: []))
            }
            #expect(Set(error?.details.map(\.field) ?? []) == ["open_id", "access_token", "access_token_expires_at"])
            await expectDomainError(.invalidInput) { _ = try await repository.setStatus(id: first.id, .cooldown, reason: nil) }
        }
    }

    @Test func deleteRefusesUnfinishedPostsArchivesWithHistoryAndDeletesOtherwise() async throws {
        try await withMigratedSchema { client in
            let repository = AccountRepository(client: client)
            let lonely = try await Fixtures.account(client)
            #expect(try await repository.delete(id: lonely.id) == .deleted)
            await expectDomainError(.notFound) { _ = try await repository.get(id: lonely.id) }

            let busy = try await Fixtures.account(client, openID: "busy")
            let media = try await Fixtures.media(client)
            let post = try await Fixtures.post(client, account: busy.id, media: media.id)
            await expectDomainError(.inUse) { try await repository.delete(id: busy.id) }
            try await Fixtures.force(client, post: post.id, to: .completed)
            #expect(try await repository.delete(id: busy.id) == .archived)
            await expectDomainError(.notFound) { _ = try await repository.get(id: busy.id) }
            #expect(try await repository.list().items.isEmpty)
            let row = try await client.query("SELECT status, access_token_ciphertext IS NULL AS cleared FROM accounts WHERE id = \(busy.id)")
            #expect(try row[0].decode("status", as: String.self) == "disabled" && row[0].decode("cleared", as: Bool.self))
            // Connecting the same creator again brings it back.
            let back = try await Fixtures.account(client, openID: "busy")
            #expect(back.id == busy.id && back.status == .active)
        }
    }

    @Test func importIsAllOrNothingUnlessPartial() async throws {
        try await withMigratedSchema { client in
            let repository = AccountRepository(client: client)
            let existing = try await Fixtures.account(client, openID: "existing")
            let future = Date().addingTimeInterval(3600)
            func row(_ openID: String?, timezone: String? = nil, cap: Int? = nil) -> AccountImportRow {
                AccountImportRow(openID: openID, accessTokenCiphertext: Data("a".utf8), accessTokenExpiresAt: future, keyID: "k1",
                                 timezone: timezone, dailyCap: cap, labels: ["imported"])
            }
            let bad = [row("new-1"), row(nil, timezone: "Nowhere/City", cap: -1), row("existing"), row("new-1")]
            let rejected = try await repository.importRows(bad, partial: false)
            #expect(!rejected.applied)
            #expect(rejected.rows.map(\.outcome) == [.skipped, .rejected, .skipped, .rejected])
            #expect(Set(rejected.rows[1].problems.map(\.field)) == ["open_id", "timezone", "daily_cap"])
            #expect(rejected.problems.contains(FieldProblem(field: "rows[3].open_id", problem: "appears in an earlier row")))
            #expect(try await repository.list().items.count == 1, "nothing written")

            let partial = try await repository.importRows(bad, partial: true)
            #expect(partial.applied)
            #expect(partial.rows.map(\.outcome) == [.created, .rejected, .updated, .rejected])
            #expect(partial.rows[2].accountID == existing.id)
            #expect(try await repository.get(id: existing.id).labels == ["imported"])
            #expect(try await repository.list().items.count == 2)
        }
    }
}
