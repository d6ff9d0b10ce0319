import Foundation
import Postgres
import Testing

@testable import Domain

@Suite struct CampaignRepositoryTests {
    @Test func createsADraftAndReadsItBack() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let media = [try await CampaignFixtures.media(client), try await CampaignFixtures.media(client)]
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let schedule = CampaignSchedule.slots([.init(weekday: "mon", time: "09:00")], timeZone: "Europe/Paris", startDate: "2026-12-07")
            let draft = CampaignFixtures.draft(media: [media[1], media[0]], accounts: accounts, strategy: .leastUsed, schedule: schedule)
            let campaign = try await repository.create(draft)
            #expect(campaign.status == .draft)
            #expect(campaign.mediaIDs == [media[1], media[0]], "media keep their order")
            #expect(campaign.draft == draft)
            let read = try await repository.get(campaign.id)
            #expect(read == campaign)
            let zone = try await client.query("SELECT timezone, mode FROM campaigns WHERE id = \(campaign.id)")[0]
            #expect(try zone.decode("timezone", as: String.self) == "Europe/Paris")
            #expect(try zone.decode("mode", as: String.self) == "direct_post")
            await expectDomainError(.notFound) { _ = try await repository.get(UUID()) }
        }
    }

    @Test func reportsEveryBadFieldAndWritesNothing() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let media = try await CampaignFixtures.media(client)
            let disabled = try await CampaignFixtures.account(client, status: "disabled")
            let missingMedia = UUID()
            let missingAccount = UUID()
            let draft = CampaignDraft(
                name: "", mode: .inbox, postSettings: PostSettings(privacyLevel: .selfOnly, videoCoverTimestampMs: -5),
                captionTemplate: "{account.nickname} {unknown} }", mediaIDs: [media, missingMedia, media],
                accountSelection: .accountIDs([disabled, missingAccount]), strategy: .random,
                schedule: .slots([.init(weekday: "someday", time: "9am")], timeZone: "Atlantis/Capital", startDate: "next week"))
            let error = await expectDomainError(.invalidInput) { _ = try await repository.create(draft, idempotencyKey: "") }
            let fields = Set(error?.details.map(\.field) ?? [])
            let expected: Set<String> = [
                "name", "media_ids[1]", "media_ids[2]", "caption_template", "post_settings.video_cover_timestamp_ms",
                "account_selection.account_ids[0]", "account_selection.account_ids[1]", "schedule.timezone", "schedule.slots[0].weekday",
                "schedule.slots[0].time", "schedule.start_date", "idempotency_key",
            ]
            #expect(fields == expected, "\(error?.debugDescription ?? "")")
            #expect(error?.details.filter { $0.field == "caption_template" }.count == 2, "unknown variable and lone brace")
            #expect(error?.details.contains { $0.field == "account_selection.account_ids[0]" && $0.problem.contains("disabled") } == true)
            #expect(try await client.query("SELECT count(*) AS n FROM campaigns")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test func refusesACaptionWhoseKnownPartsAreTooLong() async throws {
        try await withMigratedSchema { client in
            let media = try await CampaignFixtures.media(client)
            let account = try await CampaignFixtures.account(client)
            let name = String(repeating: "n", count: 200)
            let template = String(repeating: "x", count: 2100) + "{campaign.name}"
            let error = await expectDomainError(.invalidInput) {
                _ = try await CampaignRepository(client: client).create(CampaignFixtures.draft(media: [media], accounts: [account], name: name, template: template))
            }
            #expect(error?.details.map(\.field) == ["caption_template"])
            #expect(error?.details.first?.problem.contains("2200") == true)
        }
    }

    @Test func idempotencyKeyReplaysTheSameDraftAndRefusesAnother() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let draft = CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)])
            let first = try await repository.create(draft, idempotencyKey: "create-1")
            let again = try await repository.create(draft, idempotencyKey: "create-1")
            #expect(again.id == first.id)
            var other = draft
            other.name = "Another"
            await expectDomainError(.conflict) { _ = try await repository.create(other, idempotencyKey: "create-1") }
            #expect(try await client.query("SELECT count(*) AS n FROM campaigns")[0].decode("n", as: Int.self) == 1)
        }
    }

    @Test func listsNewestFirstByPagesAndStatus() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let draft = CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)])
            var created: [Campaign] = []
            for number in 0..<5 {
                var named = draft
                named.name = "c\(number)"
                created.append(try await repository.create(named))
            }
            _ = try await repository.cancel(created[1].id)
            var seen: [String] = []
            var request = PageRequest(limit: 2)
            while true {
                let page = try await repository.list(page: request)
                seen += page.items.map(\.name)
                guard let next = page.nextCursor else { break }
                request.cursor = next
            }
            #expect(seen == ["c4", "c3", "c2", "c1", "c0"])
            #expect(try await repository.list(status: .cancelled).items.map(\.name) == ["c1"])
            #expect(try await repository.list(status: .draft, page: PageRequest(limit: 200)).items.count == 4)
            let error = await expectDomainError(.invalidInput) { _ = try await repository.list(page: PageRequest(cursor: "nope", limit: 0)) }
            #expect(Set(error?.details.map(\.field) ?? []) == ["cursor", "limit"])
        }
    }

    @Test func updatesOnlyDrafts() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let media = [try await CampaignFixtures.media(client), try await CampaignFixtures.media(client), try await CampaignFixtures.media(client)]
            let account = try await CampaignFixtures.account(client)
            let campaign = try await repository.create(CampaignFixtures.draft(media: [media[0], media[1]], accounts: [account]))
            let updated = try await repository.update(
                campaign.id, CampaignPatch(name: "Renamed", mode: .inbox, mediaIDs: [media[2], media[0]], accountSelection: .labels(["fr"])))
            #expect(updated.name == "Renamed" && updated.mode == .inbox && updated.mediaIDs == [media[2], media[0]])
            #expect(updated.accountSelection == .labels(["fr"]) && updated.updatedAt >= campaign.updatedAt)
            #expect(try await repository.get(campaign.id) == updated)
            let error = await expectDomainError(.invalidInput) {
                _ = try await repository.update(campaign.id, CampaignPatch(name: " ", mediaIDs: [UUID()]))
            }
            #expect(error?.details.map(\.field) == ["name", "media_ids[0]"])
            #expect(try await repository.get(campaign.id) == updated, "a refused update changes nothing")
            _ = try await repository.cancel(campaign.id)
            await expectDomainError(.invalidState) { _ = try await repository.update(campaign.id, CampaignPatch(name: "Late")) }
            await expectDomainError(.notFound) { _ = try await repository.update(UUID(), CampaignPatch(name: "Nobody")) }
        }
    }

    @Test func deletesDraftsAndFinishedCampaignsOnly() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let starter = CampaignStarter(client: client)
            let draft = CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)])
            let plain = try await repository.create(draft)
            try await repository.delete(plain.id)
            await expectDomainError(.notFound) { _ = try await repository.get(plain.id) }
            await expectDomainError(.notFound) { try await repository.delete(plain.id) }

            let started = try await repository.create(draft)
            let result = try await starter.start(started.id)
            await expectDomainError(.invalidState) { try await repository.delete(started.id) }
            try await CampaignFixtures.force(client, post: result.posts[0].id, to: .running)
            _ = try await repository.cancel(started.id)
            await expectDomainError(.inUse) { try await repository.delete(started.id) }
            try await CampaignFixtures.force(client, post: result.posts[0].id, to: .completed)
            try await repository.delete(started.id)
            #expect(try await CampaignFixtures.postCount(client, campaign: started.id) == 0, "posts go with their campaign")
        }
    }
}

/// Records for the campaign tests, written with plain SQL so each test controls status, labels, zone and age.
enum CampaignFixtures {
    /// Inserts an account; returns its id.
    @discardableResult
    static func account(
        _ client: PostgresClient, nickname: String = "Creator", username: String? = nil, status: String = "active", labels: [String] = [],
        timeZone: String = "UTC", dailyCap: Int = 15, createdAt: Date = Date()
    ) async throws -> UUID {
        let id = UUID()
        try await client.execute(
            """
            INSERT INTO accounts (id, open_id, nickname, username, status, labels, timezone, daily_cap, created_at)
            VALUES (\(id), \("open-\(id)"), \(nickname), \(username), \(status), \(labels), \(timeZone), \(dailyCap), \(createdAt))
            """)
        return id
    }

    /// Inserts a media row; returns its id.
    @discardableResult
    static func media(_ client: PostgresClient, name: String? = "clip.mp4", sizeBytes: Int64 = 1_000, duration: Double? = 12.5) async throws -> UUID {
        let id = UUID()
        let probe = duration.map { "{\"duration_seconds\": \($0)}" } ?? "{}"
        try await client.execute(
            """
            INSERT INTO media (id, path, original_name, size_bytes, sha256, probe)
            VALUES (\(id), \("videos/\(id).mp4"), \(name), \(sizeBytes), \([UInt8](repeating: 7, count: 32)), \(probe)::jsonb)
            """)
        return id
    }

    /// A valid draft for `media` and `accounts`.
    static func draft(
        media: [UUID], accounts: [UUID], name: String = "Spring launch", template: String = "{account.nickname} #{index} {media.filename}",
        strategy: Campaign.Strategy = .roundRobin, schedule: CampaignSchedule = .now
    ) -> CampaignDraft {
        CampaignDraft(
            name: name, mode: .directPost, postSettings: PostSettings(privacyLevel: .publicToEveryone, disableDuet: true), captionTemplate: template,
            mediaIDs: media, accountSelection: .accountIDs(accounts), strategy: strategy, schedule: schedule)
    }

    /// A campaign's posts as (status, count).
    static func postCount(_ client: PostgresClient, campaign: UUID) async throws -> Int {
        try await client.query("SELECT count(*) AS n FROM posts WHERE campaign_id = \(campaign)")[0].decode("n", as: Int.self)
    }

    /// Events named `event` of the campaign's posts.
    static func eventCount(_ client: PostgresClient, campaign: UUID, event: String) async throws -> Int {
        try await client.query(
            """
            SELECT count(*) AS n FROM post_events e JOIN posts p ON p.id = e.post_id WHERE p.campaign_id = \(campaign) AND e.event = \(event)
            """)[0].decode("n", as: Int.self)
    }

    /// Forces a post's status the way the result recorder would (terminal ⇒ finished_at).
    static func force(_ client: PostgresClient, post: UUID, to status: PostStatus) async throws {
        try await client.execute(
            """
            UPDATE posts SET status = \(status.rawValue), finished_at = CASE WHEN \(status.isTerminal) THEN now() END,
                error_code = CASE WHEN \(status.rawValue) = 'failed' THEN 'boom' END
            WHERE id = \(post)
            """)
    }
}
