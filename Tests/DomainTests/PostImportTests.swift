import Domain
import Foundation
import Postgres
import Testing

@Suite struct PostImportTests {
    @Test func dryRunReportsEveryRowAndWritesNothingThenTheRealRunIsIdempotent() async throws {
        try await withMigratedSchema { client in
            let importer = PostImporter(client: client)
            let account = try await Fixtures.account(client)
            _ = try await AccountRepository(client: client).update(id: account.id, .init(timezone: "Europe/Paris"))
            let media = try await Fixtures.media(client)
            let settings: [String: JSONValue] = ["privacy_level": .string("SELF_ONLY")]
            let rows = [
                PostImportRow(idempotencyKey: "r1", mediaID: media.id.uuidString, accountID: account.id.uuidString, caption: "one",
                              at: "2026-12-01T09:00:00", postSettings: settings),
                PostImportRow(idempotencyKey: "r2", mediaID: media.id.uuidString, accountID: account.id.uuidString,
                              at: "2026-12-01T09:00:00Z", timezone: "America/New_York", postSettings: [:], mode: "inbox"),
                PostImportRow(idempotencyKey: "", mediaID: "not-a-uuid", accountID: UUID().uuidString, caption: String(repeating: "c", count: 2201),
                              at: "2026-02-30T09:00", timezone: "UTC", postSettings: ["privacy_level": .number(1)], mode: "story"),
                PostImportRow(idempotencyKey: "r1", mediaID: media.id.uuidString, accountID: account.id.uuidString, at: nil, postSettings: settings),
            ]
            let dry = try await importer.importRows(rows, dryRun: true)
            #expect(dry.rows.map(\.outcome) == [.wouldCreate, .wouldCreate, .rejected, .rejected])
            #expect(Set(dry.rows[2].problems.map(\.field)) == [
                "idempotency_key", "media_id", "account_id", "caption", "at", "mode", "post_settings.privacy_level",
            ])
            #expect(Set(dry.rows[3].problems.map(\.field)) == ["idempotency_key", "at"])
            // 09:00 in the account's zone (Paris, UTC+1 in December) is 08:00 UTC.
            #expect(dry.rows[0].runAt == Date(timeIntervalSince1970: 1_796_112_000))
            #expect(dry.rows[1].runAt == Date(timeIntervalSince1970: 1_796_115_600))
            #expect(try await client.query("SELECT count(*) AS n FROM posts")[0].decode("n", as: Int.self) == 0)

            let strict = try await importer.importRows(rows, dryRun: false, actor: "import")
            #expect(strict.rows.map(\.outcome) == [.skipped, .skipped, .rejected, .rejected] && strict.createdPostIDs.isEmpty)
            #expect(try await client.query("SELECT count(*) AS n FROM posts")[0].decode("n", as: Int.self) == 0)

            let real = try await importer.importRows(rows, dryRun: false, partial: true, actor: "import")
            #expect(real.rows.map(\.outcome) == [.created, .created, .rejected, .rejected])
            #expect(real.createdPostIDs.count == 2)
            let post = try await PostRepository(client: client).get(id: try #require(real.rows[1].postID))
            #expect(post.post.mode == .inbox && post.post.status == .scheduled && post.events.map(\.event) == ["post.created"])

            let again = try await importer.importRows(rows, dryRun: false, partial: true)
            #expect(again.rows.map(\.outcome) == [.existing, .existing, .rejected, .rejected])
            #expect(again.rows[0].postID == real.rows[0].postID && again.createdPostIDs.isEmpty)
            #expect(try await client.query("SELECT count(*) AS n FROM posts")[0].decode("n", as: Int.self) == 2)
        }
    }

    @Test func aDisabledAccountOrDeletedMediaRejectsTheRow() async throws {
        try await withMigratedSchema { client in
            let account = try await Fixtures.account(client)
            let media = try await Fixtures.media(client)
            _ = try await AccountRepository(client: client).update(id: account.id, .init(disabled: true))
            _ = try await MediaRepository(client: client).delete(id: media.id)
            let report = try await PostImporter(client: client).importRows(
                [PostImportRow(idempotencyKey: "x", mediaID: media.id.uuidString, accountID: account.id.uuidString, at: "2026-12-01T09:00", mode: "inbox")],
                dryRun: false)
            #expect(report.rows[0].outcome == .rejected)
            #expect(Set(report.rows[0].problems.map(\.field)) == ["account_id", "media_id"])
            await expectDomainError(.invalidInput) { _ = try await PostImporter(client: client).importRows([], dryRun: true) }
        }
    }
}
