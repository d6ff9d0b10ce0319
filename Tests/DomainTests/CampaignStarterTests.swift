import Foundation
import Postgres
import Testing

@testable import Domain

@Suite struct CampaignStarterTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func startsNowWithOnePostPerMediaAndUsableAccount() async throws {
        try await withMigratedSchema { client in
            let media = [
                try await CampaignFixtures.media(client, name: "first.mp4", sizeBytes: 2_000, duration: 30.5),
                try await CampaignFixtures.media(client, name: nil, duration: nil),
            ]
            let ana = try await CampaignFixtures.account(client, nickname: "Ana", username: "ana_k", timeZone: "Europe/Paris", dailyCap: 9)
            let bob = try await CampaignFixtures.account(client, nickname: "Bob")
            let off = try await CampaignFixtures.account(client, nickname: "Off", status: "disabled")
            let stale = try await CampaignFixtures.account(client, nickname: "Stale", status: "needs_reauth")
            let repository = CampaignRepository(client: client)
            let campaign = try await repository.create(
                CampaignFixtures.draft(
                    media: media, accounts: [ana, bob], name: "Launch",
                    template: "{account.nickname}/{account.username} #{index} {date} {time} {campaign.name} {media.filename} {{ok}}"))
            try await client.execute("UPDATE accounts SET status = 'disabled' WHERE id = \(bob)")
            _ = off
            _ = stale
            let now = self.utc("2026-06-01T22:30:00Z")
            let result = try await CampaignStarter(client: client).start(campaign.id, now: now, actor: "api_key:t")
            #expect(result.campaign.status == .running)
            #expect(result.skippedAccounts == [SkippedAccount(accountID: bob, reason: "account is disabled")])
            #expect(result.posts.count == 2)
            let first = result.posts[0]
            #expect(first.accountID == ana && first.mediaID == media[0] && first.index == 1)
            #expect(first.caption == "Ana/ana_k #1 2026-06-02 00:30 Launch first.mp4 {ok}", "date and time in the account's zone for `now`")
            #expect(first.mediaPath == "videos/\(media[0]).mp4" && first.sizeBytes == 2_000 && first.contentType == "video/mp4")
            #expect(first.durationSeconds == 30.5 && first.dailyCap == 9 && first.timeZone == "Europe/Paris")
            #expect(first.status == .queued && first.runAt == now && first.maxAttempts == 5 && first.queue == "publish" && first.mode == .directPost)
            #expect(first.postSettings == PostSettings(privacyLevel: .publicToEveryone, disableDuet: true))
            #expect(first.idempotencyKey == "campaign:\(campaign.id.uuidString.lowercased()):0:\(ana.uuidString.lowercased())")
            #expect(result.posts[1].caption.hasPrefix("Ana/ana_k #2 "))
            #expect(result.posts[1].caption.hasSuffix("Launch \(media[1]).mp4 {ok}"), "no original name: the path's last part")
            #expect(result.posts[1].durationSeconds == nil)
            let rows = try await client.query(
                """
                SELECT id, status, run_at, caption, mode, max_attempts, queue, idempotency_key, post_settings ->> 'privacy_level' AS privacy,
                       (post_settings ->> 'disable_duet')::bool AS duet
                FROM posts WHERE campaign_id = \(campaign.id) ORDER BY caption
                """)
            #expect(rows.count == 2)
            #expect(try rows[0].decode("id", as: UUID.self) == first.id && rows[0].decode("caption", as: String.self) == first.caption)
            #expect(try rows[0].decode("status", as: String.self) == "queued" && rows[0].decode("run_at", as: Date.self) == now)
            #expect(try rows[0].decode("privacy", as: String.self) == "PUBLIC_TO_EVERYONE" && rows[0].decode("duet", as: Bool.self))
            #expect(try rows[0].decode("idempotency_key", as: String.self) == first.idempotencyKey)
            let events = try await client.query(
                """
                SELECT e.to_status, e.actor, e.detail ->> 'campaign_id' AS campaign FROM post_events e JOIN posts p ON p.id = e.post_id
                WHERE p.campaign_id = \(campaign.id) AND e.event = 'post.created'
                """)
            #expect(events.count == 2)
            #expect(try events.allSatisfy { row in
                try row.decode("to_status", as: String.self) == "queued" && row.decode("actor", as: String?.self) == "api_key:t"
                    && row.decode("campaign", as: String.self) == campaign.id.uuidString.lowercased()
            })
        }
    }

    @Test func aSecondStartIsRefusedAndInsertsNothing() async throws {
        try await withMigratedSchema { client in
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: accounts))
            let starter = CampaignStarter(client: client)
            let id = campaign.id
            let outcomes = await withTaskGroup(of: Result<CampaignStartResult, any Error>.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        do { return .success(try await starter.start(id)) } catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let started = outcomes.compactMap { try? $0.get() }
            #expect(started.count == 1, "exactly one of two concurrent starts wins")
            for case .failure(let error) in outcomes { #expect((error as? DomainError)?.code == .invalidState) }
            await expectDomainError(.invalidState) { _ = try await starter.start(campaign.id) }
            #expect(try await CampaignFixtures.postCount(client, campaign: campaign.id) == 2)
            #expect(try await CampaignFixtures.eventCount(client, campaign: campaign.id, event: "post.created") == 2)
            await expectDomainError(.notFound) { _ = try await starter.start(UUID()) }
        }
    }

    @Test func atScheduleConvertsTheLocalTimeAcrossDaylightSaving() async throws {
        try await withMigratedSchema { client in
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let schedule = CampaignSchedule.at(localDateTime: "2026-03-29T09:00", timeZone: "Europe/Paris")
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: accounts, template: "{date} {time}", schedule: schedule))
            let now = self.utc("2026-03-28T12:00:00Z")
            let result = try await CampaignStarter(client: client).start(campaign.id, now: now)
            #expect(result.campaign.status == .scheduled)
            #expect(result.posts.allSatisfy { $0.runAt == self.utc("2026-03-29T07:00:00Z") && $0.status == .scheduled })
            #expect(result.posts.allSatisfy { $0.caption == "2026-03-29 09:00" }, "the schedule's zone renders the caption")
            let stored = try await client.query("SELECT DISTINCT run_at, status FROM posts WHERE campaign_id = \(campaign.id)")
            #expect(stored.count == 1)
            #expect(try stored[0].decode("run_at", as: Date.self) == self.utc("2026-03-29T07:00:00Z"))
            #expect(try stored[0].decode("status", as: String.self) == "scheduled")
        }
    }

    @Test func anAtTimeInThePastIsRefused() async throws {
        try await withMigratedSchema { client in
            let schedule = CampaignSchedule.at(localDateTime: "2026-01-01T09:00", timeZone: "UTC")
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(
                    media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)], schedule: schedule))
            let error = await expectDomainError(.invalidInput) {
                _ = try await CampaignStarter(client: client).start(campaign.id, now: self.utc("2026-02-01T00:00:00Z"))
            }
            #expect(error?.details.map(\.field) == ["schedule.at"])
            #expect(try await CampaignRepository(client: client).get(campaign.id).status == .draft, "a refused start leaves the draft")
        }
    }

    @Test func slotsGiveEachAccountOnePostPerSlot() async throws {
        try await withMigratedSchema { client in
            let media = [try await CampaignFixtures.media(client), try await CampaignFixtures.media(client), try await CampaignFixtures.media(client)]
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let schedule = CampaignSchedule.slots(
                [.init(weekday: "mon", time: "09:00"), .init(weekday: "thu", time: "18:00")], timeZone: "Europe/Paris", startDate: "2026-03-26")
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(media: media, accounts: accounts, template: "{index} {date} {time}", schedule: schedule))
            let result = try await CampaignStarter(client: client).start(campaign.id, now: self.utc("2026-03-20T00:00:00Z"))
            let slots = [self.utc("2026-03-26T17:00:00Z"), self.utc("2026-03-30T07:00:00Z"), self.utc("2026-04-02T16:00:00Z")]
            #expect(result.posts.map(\.runAt) == [slots[0], slots[0], slots[1], slots[1], slots[2], slots[2]])
            #expect(result.posts.map(\.caption) == [
                "1 2026-03-26 18:00", "2 2026-03-26 18:00", "3 2026-03-30 09:00", "4 2026-03-30 09:00", "5 2026-04-02 18:00", "6 2026-04-02 18:00",
            ])
            #expect(result.posts.map(\.mediaID) == [media[0], media[1], media[1], media[2], media[2], media[0]], "round robin rotation")
            #expect(result.campaign.status == .scheduled)
        }
    }

    @Test func labelsAndLeastUsedPickAndOrderAccounts() async throws {
        try await withMigratedSchema { client in
            let base = Date().addingTimeInterval(-3600)
            let busy = try await CampaignFixtures.account(client, nickname: "busy", labels: ["fr"], createdAt: base)
            let quiet = try await CampaignFixtures.account(client, nickname: "quiet", labels: ["fr", "es"], createdAt: base.addingTimeInterval(1))
            let other = try await CampaignFixtures.account(client, nickname: "other", labels: ["de"], createdAt: base.addingTimeInterval(2))
            let reauth = try await CampaignFixtures.account(client, nickname: "reauth", status: "needs_reauth", labels: ["es"])
            let media = try await CampaignFixtures.media(client)
            // A post run ten minutes ago for `busy`: least_used puts it last.
            let oldCampaign = try await CampaignRepository(client: client).create(CampaignFixtures.draft(media: [media], accounts: [busy]))
            _ = try await CampaignStarter(client: client).start(oldCampaign.id, now: Date().addingTimeInterval(-600))
            var draft = CampaignFixtures.draft(media: [media], accounts: [], template: "{account.nickname}", strategy: .leastUsed)
            draft.accountSelection = .labels(["fr", "es"])
            let campaign = try await CampaignRepository(client: client).create(draft)
            let result = try await CampaignStarter(client: client).start(campaign.id)
            #expect(result.posts.map(\.caption) == ["quiet", "busy"])
            #expect(result.skippedAccounts == [SkippedAccount(accountID: reauth, reason: "account is needs_reauth")])
            #expect(!result.posts.contains { $0.accountID == other })

            draft.strategy = .roundRobin
            let plain = try await CampaignRepository(client: client).create(draft)
            #expect(try await CampaignStarter(client: client).start(plain.id).posts.map(\.caption) == ["busy", "quiet"], "oldest account first")

            draft.accountSelection = .labels(["nobody"])
            let none = try await CampaignRepository(client: client).create(draft)
            let error = await expectDomainError(.invalidInput) { _ = try await CampaignStarter(client: client).start(none.id) }
            #expect(error?.details.map(\.field) == ["account_selection.labels"])
        }
    }

    @Test func randomStrategyIsReproducibleWithASeed() async throws {
        try await withMigratedSchema { client in
            var media: [UUID] = []
            for _ in 0..<5 { media.append(try await CampaignFixtures.media(client)) }
            var accounts: [UUID] = []
            for _ in 0..<4 { accounts.append(try await CampaignFixtures.account(client)) }
            var configuration = CampaignStarter.Configuration()
            configuration.randomSeed = 99
            configuration.maxAttempts = 3
            let starter = CampaignStarter(client: client, configuration: configuration)
            var plans: [[String]] = []
            for _ in 0..<2 {
                let campaign = try await CampaignRepository(client: client).create(CampaignFixtures.draft(media: media, accounts: accounts, strategy: .random))
                let posts = try await starter.start(campaign.id).posts
                #expect(posts.count == 20 && posts.allSatisfy { $0.maxAttempts == 3 })
                for account in accounts { #expect(Set(posts.filter { $0.accountID == account }.map(\.mediaID)) == Set(media)) }
                plans.append(posts.map { "\($0.accountID)-\($0.mediaID)" })
            }
            #expect(plans[0] == plans[1])
        }
    }

    @Test func aCaptionTooLongForAnAccountRefusesTheStart() async throws {
        try await withMigratedSchema { client in
            let long = try await CampaignFixtures.account(client, nickname: String(repeating: "é", count: 300))
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(
                    media: [try await CampaignFixtures.media(client)], accounts: [long], template: String(repeating: "x", count: 2000) + "{account.nickname}"))
            let error = await expectDomainError(.invalidInput) { _ = try await CampaignStarter(client: client).start(campaign.id) }
            #expect(error?.details.first?.problem.contains("2300 characters") == true, "\(error?.debugDescription ?? "")")
            #expect(try await CampaignFixtures.postCount(client, campaign: campaign.id) == 0)
        }
    }

    @Test func startsTenThousandPosts() async throws {
        try await withMigratedSchema { client in
            try await client.execute(
                """
                INSERT INTO accounts (open_id, nickname, created_at, daily_cap)
                SELECT 'bulk-' || n, 'Creator ' || n, now() - make_interval(secs => n), 100 FROM generate_series(1, 100) AS n
                """)
            try await client.execute(
                """
                INSERT INTO media (path, original_name, size_bytes, sha256, probe)
                SELECT 'bulk/' || n || '.mp4', 'video ' || n || '.mp4', 1000 + n, decode(repeat('ab', 32), 'hex'), '{"duration_seconds": 20}'
                FROM generate_series(1, 100) AS n
                """)
            let accounts = try await client.query("SELECT id FROM accounts ORDER BY open_id").map { try $0.decode("id", as: UUID.self) }
            let media = try await client.query("SELECT id FROM media ORDER BY path").map { try $0.decode("id", as: UUID.self) }
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(media: media, accounts: accounts, template: "{account.nickname} posts {media.filename} #{index} on {date} at {time}"))
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await CampaignStarter(client: client).start(campaign.id)
            let elapsed = clock.now - started
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            print("CampaignStarter.start: 100 accounts × 100 media = \(result.posts.count) posts in \(elapsed) (\(build) build)")
            #expect(result.posts.count == 10_000)
            #expect(try await CampaignFixtures.postCount(client, campaign: campaign.id) == 10_000)
            #expect(try await CampaignFixtures.eventCount(client, campaign: campaign.id, event: "post.created") == 10_000)
            #expect(Set(result.posts.map(\.idempotencyKey)).count == 10_000)
        }
    }
}
