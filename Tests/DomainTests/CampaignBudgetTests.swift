import Foundation
import Postgres
import Testing

@testable import Domain

/// Budgets at campaign planning time (issue 9, point 5): daily caps per local day and TikTok's 5 pending inbox shares per
/// 24 hours, refused or spread at start, obvious cases refused at create; against a real PostgreSQL.
@Suite struct CampaignBudgetTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func media(_ client: PostgresClient, _ count: Int) async throws -> [UUID] {
        var ids: [UUID] = []
        for _ in 0..<count { ids.append(try await CampaignFixtures.media(client)) }
        return ids
    }

    func name(_ id: UUID, _ nickname: String) -> String { "account \(id.uuidString.lowercased()) (@\(nickname))" }

    func accountPosts(_ client: PostgresClient, _ account: UUID) async throws -> Int {
        try await client.query("SELECT count(*) AS n FROM posts WHERE account_id = \(account)")[0].decode("n", as: Int.self)
    }

    // MARK: - Reject

    @Test func aStartOverTheDailyCapIsRefusedNamingAccountsAndDaysAndWritesNothing() async throws {
        try await withMigratedSchema { client in
            let ana = try await CampaignFixtures.account(client, nickname: "ana", timeZone: "Europe/Paris")
            let fine = try await CampaignFixtures.account(client, nickname: "fine")
            let bob = try await CampaignFixtures.account(client, nickname: "bob", timeZone: "UTC")
            // 00:30 in Paris on the 4th is 23:30 UTC on the 3rd: each account's day is read in its own zone.
            let schedule = CampaignSchedule.at(localDateTime: "2026-12-04T00:30", timeZone: "Europe/Paris")
            let campaign = try await CampaignRepository(client: client).create(
                CampaignFixtures.draft(media: try await self.media(client, 3), accounts: [ana, fine, bob], schedule: schedule))
            // Caps lowered after the create: the start is the authority.
            try await client.execute("UPDATE accounts SET daily_cap = 2 WHERE id = ANY(\([ana, bob].map { $0.uuidString.lowercased() })::uuid[])")
            let error = await expectDomainError(.invalidInput) {
                _ = try await CampaignStarter(client: client).start(campaign.id, now: self.utc("2026-12-01T00:00:00Z"))
            }
            #expect(
                error?.details == [
                    FieldProblem(field: "budget", problem: "\(self.name(ana, "ana")) would post 3 times on 2026-12-04 (Europe/Paris), over its daily cap of 2"),
                    FieldProblem(field: "budget", problem: "\(self.name(bob, "bob")) would post 3 times on 2026-12-03 (UTC), over its daily cap of 2"),
                ], "\(error?.debugDescription ?? "")")
            #expect(error?.message.contains("over_budget") == true)
            #expect(try await CampaignFixtures.postCount(client, campaign: campaign.id) == 0)
            #expect(try await client.query("SELECT count(*) AS n FROM post_events")[0].decode("n", as: Int.self) == 0)
            #expect(try await CampaignRepository(client: client).get(campaign.id).status == .draft, "the refused start rolled back")
        }
    }

    @Test func aPerAccountCapIsHonouredAndExistingPostsOfOtherCampaignsAndStandalonePostsCount() async throws {
        try await withMigratedSchema { client in
            let capped = try await CampaignFixtures.account(client, nickname: "capped", dailyCap: 2)
            let other = try await CampaignFixtures.account(client, nickname: "other")
            let media = try await self.media(client, 3)
            let repository = CampaignRepository(client: client)
            let starter = CampaignStarter(client: client)
            let now = self.utc("2026-06-01T10:00:00Z")
            // Obvious at create: three media at once for an account that may post twice a day.
            let early = await expectDomainError(.invalidInput) { _ = try await repository.create(CampaignFixtures.draft(media: media, accounts: [capped, other])) }
            #expect(
                early?.details == [
                    FieldProblem(
                        field: "budget", problem: "\(self.name(capped, "capped")) would post 3 times on the day it starts (UTC), over its daily cap of 2")
                ])
            // Two fit exactly.
            let first = try await repository.create(CampaignFixtures.draft(media: Array(media.prefix(2)), accounts: [capped, other]))
            let started = try await starter.start(first.id, now: now)
            #expect(started.posts.count == 4 && started.posts.allSatisfy { $0.runAt == now })
            // A third post that day is one too many: the first campaign's posts count.
            let second = try await repository.create(CampaignFixtures.draft(media: [media[2]], accounts: [capped]))
            let refused = await expectDomainError(.invalidInput) { _ = try await starter.start(second.id, now: now.addingTimeInterval(3600)) }
            #expect(
                refused?.details == [
                    FieldProblem(field: "budget", problem: "\(self.name(capped, "capped")) would post 3 times on 2026-06-01 (UTC), over its daily cap of 2")
                ])
            // Cancelled and failed posts use no budget.
            let cappedPosts = started.posts.filter { $0.accountID == capped }.map(\.id)
            try await CampaignFixtures.force(client, post: cappedPosts[0], to: .cancelled)
            try await CampaignFixtures.force(client, post: cappedPosts[1], to: .failed)
            #expect(try await starter.start(second.id, now: now.addingTimeInterval(3600)).posts.count == 1)
            // A standalone post counts too: with it, the day is full again.
            _ = try await Fixtures.post(client, account: capped, media: media[0], runAt: self.utc("2026-06-01T20:00:00Z"))
            let third = try await repository.create(CampaignFixtures.draft(media: [media[1]], accounts: [capped]))
            let full = await expectDomainError(.invalidInput) { _ = try await starter.start(third.id, now: now.addingTimeInterval(7200)) }
            #expect(full?.details.map(\.problem) == ["\(self.name(capped, "capped")) would post 3 times on 2026-06-01 (UTC), over its daily cap of 2"])
            // Another day has room.
            #expect(try await starter.start(third.id, now: self.utc("2026-06-02T00:10:00Z")).posts.count == 1)
            #expect(try await self.accountPosts(client, capped) == 5)
        }
    }

    // MARK: - Spread

    @Test func spreadMovesTheOverflowToTheNextDaysAtTheSameWallTimeAcrossDaylightSaving() async throws {
        try await withMigratedSchema { client in
            let paris = try await CampaignFixtures.account(client, nickname: "paris", timeZone: "Europe/Paris", dailyCap: 2)
            let media = try await self.media(client, 5)
            // Paris moves to summer time in the night of Sunday 29 March 2026; a standalone post already uses one post of the 29th.
            _ = try await Fixtures.post(client, account: paris, media: media[0], runAt: self.utc("2026-03-29T15:00:00Z"))
            var draft = CampaignFixtures.draft(
                media: media, accounts: [paris], template: "{date} {time}",
                schedule: .at(localDateTime: "2026-03-28T09:00", timeZone: "Europe/Paris"))
            draft.overBudget = .spread
            let campaign = try await CampaignRepository(client: client).create(draft)
            #expect(campaign.overBudget == .spread)
            let result = try await CampaignStarter(client: client).start(campaign.id, now: self.utc("2026-03-27T12:00:00Z"))
            let saturday = self.utc("2026-03-28T08:00:00Z")  // 09:00 CET
            let sunday = self.utc("2026-03-29T07:00:00Z")  // 09:00 CEST
            let monday = self.utc("2026-03-30T07:00:00Z")
            #expect(result.posts.map(\.runAt) == [saturday, saturday, sunday, monday, monday])
            #expect(result.posts.map(\.caption) == ["2026-03-28 09:00", "2026-03-28 09:00", "2026-03-29 09:00", "2026-03-30 09:00", "2026-03-30 09:00"])
            #expect(result.posts.map(\.mediaID) == media, "plan order kept")
            #expect(result.posts.allSatisfy { $0.status == .scheduled } && result.campaign.status == .scheduled)
            let stored = try await client.query("SELECT run_at, status FROM posts WHERE campaign_id = \(campaign.id) ORDER BY run_at")
            #expect(try stored.map { try $0.decode("run_at", as: Date.self) } == [saturday, saturday, sunday, monday, monday])
            #expect(try stored.allSatisfy { try $0.decode("status", as: String.self) == "scheduled" })
        }
    }

    @Test func spreadOfANowScheduleKeepsTheWallTimeInTheAccountsZone() async throws {
        try await withMigratedSchema { client in
            // New York moves to summer time on Sunday 8 March 2026.
            let york = try await CampaignFixtures.account(client, nickname: "york", timeZone: "America/New_York", dailyCap: 1)
            let utcAccount = try await CampaignFixtures.account(client, nickname: "utc", dailyCap: 1)
            var draft = CampaignFixtures.draft(media: try await self.media(client, 3), accounts: [york, utcAccount])
            draft.overBudget = .spread
            let campaign = try await CampaignRepository(client: client).create(draft)
            let now = self.utc("2026-03-07T15:00:00Z")  // 10:00 EST
            let result = try await CampaignStarter(client: client).start(campaign.id, now: now)
            let yorkPosts = result.posts.filter { $0.accountID == york }
            #expect(yorkPosts.map(\.runAt) == [now, self.utc("2026-03-08T14:00:00Z"), self.utc("2026-03-09T14:00:00Z")], "10:00 in New York each day")
            #expect(yorkPosts.map(\.status) == [.queued, .scheduled, .scheduled])
            let utcPosts = result.posts.filter { $0.accountID == utcAccount }
            #expect(utcPosts.map(\.runAt) == [now, self.utc("2026-03-08T15:00:00Z"), self.utc("2026-03-09T15:00:00Z")])
            #expect(result.campaign.status == .running)
        }
    }

    @Test func spreadRefusesAnAccountWithACapOfZero() async throws {
        try await withMigratedSchema { client in
            let idle = try await CampaignFixtures.account(client, nickname: "idle")
            var draft = CampaignFixtures.draft(media: try await self.media(client, 1), accounts: [idle])
            draft.overBudget = .spread
            let campaign = try await CampaignRepository(client: client).create(draft)
            try await client.execute("UPDATE accounts SET daily_cap = 0 WHERE id = \(idle)")
            let error = await expectDomainError(.invalidInput) { _ = try await CampaignStarter(client: client).start(campaign.id) }
            #expect(error?.details.map(\.problem) == ["\(self.name(idle, "idle")) has a daily cap of 0, so no day can take its posts"])
            #expect(try await CampaignFixtures.postCount(client, campaign: campaign.id) == 0)
        }
    }

    // MARK: - Inbox

    @Test func inboxSharesAreHeldToFivePer24HoursByRejectOrSpread() async throws {
        try await withMigratedSchema { client in
            let creator = try await CampaignFixtures.account(client, nickname: "creator")
            let media = try await self.media(client, 6)
            let repository = CampaignRepository(client: client)
            let starter = CampaignStarter(client: client)
            let now = self.utc("2026-12-01T00:00:00Z")
            func draft(_ media: [UUID], at: String, mode: Campaign.Mode, overBudget: Campaign.OverBudget = .reject) -> CampaignDraft {
                var draft = CampaignFixtures.draft(media: media, accounts: [creator], schedule: .at(localDateTime: at, timeZone: "UTC"))
                draft.mode = mode
                draft.overBudget = overBudget
                return draft
            }
            // Obvious at create: six inbox media at once.
            let early = await expectDomainError(.invalidInput) { _ = try await repository.create(draft(media, at: "2026-12-03T08:00", mode: .inbox)) }
            #expect(
                early?.details.map(\.problem) == [
                    "\(self.name(creator, "creator")) would have 6 inbox shares within 24 hours on 2026-12-03 (UTC), "
                        + "over TikTok's limit of 5 pending inbox shares per 24 hours"
                ])
            // Three inbox shares at 08:00 and two direct posts at 12:00 (which are no inbox shares).
            _ = try await starter.start(try await repository.create(draft(Array(media[0..<3]), at: "2026-12-03T08:00", mode: .inbox)).id, now: now)
            _ = try await starter.start(try await repository.create(draft(Array(media[3..<5]), at: "2026-12-03T12:00", mode: .directPost)).id, now: now)
            // Three more at 18:00 make six within 24 hours.
            let late = try await repository.create(draft(Array(media[0..<3]), at: "2026-12-03T18:00", mode: .inbox))
            let refused = await expectDomainError(.invalidInput) { _ = try await starter.start(late.id, now: now) }
            #expect(
                refused?.details == [
                    FieldProblem(
                        field: "budget",
                        problem: "\(self.name(creator, "creator")) would have 6 inbox shares within 24 hours on 2026-12-03 (UTC), "
                            + "over TikTok's limit of 5 pending inbox shares per 24 hours")
                ])
            #expect(try await CampaignFixtures.postCount(client, campaign: late.id) == 0)
            // Spread: two fit at 18:00, the third waits until 18:00 the next day, when the 08:00 shares are 34 hours old.
            _ = try await repository.update(late.id, CampaignPatch(overBudget: .spread))
            let spread = try await starter.start(late.id, now: now)
            let evening = self.utc("2026-12-03T18:00:00Z")
            #expect(spread.posts.map(\.runAt) == [evening, evening, self.utc("2026-12-04T18:00:00Z")])
            #expect(spread.posts.allSatisfy { $0.status == .scheduled && $0.mode == .inbox })
        }
    }

    @Test func inboxSharesAlreadyPlannedLaterInTheDayCountToo() throws {
        // Five inbox shares at 12:00; one more at 00:00 the same day would make six in the 24 hours ending at 12:00.
        let account = CampaignBudget.Account(id: UUID(), nickname: "n", zoneName: "UTC", zone: TimeZone(identifier: "UTC")!, dailyCap: 15)
        let midnight = self.utc("2026-12-03T00:00:00Z")
        let noon = self.utc("2026-12-03T12:00:00Z")
        let budget = CampaignBudget(accounts: [account], existing: [[.init(runAt: noon, inbox: true, count: 5)]], inbox: true, scheduleZone: nil)
        #expect(throws: DomainError.self) { _ = try budget.apply(times: [midnight], accountIndexes: [0], policy: .reject) }
        do {
            _ = try budget.apply(times: [midnight], accountIndexes: [0], policy: .reject)
        } catch {
            #expect(error.details.map(\.problem) == [
                "account \(account.id.uuidString.lowercased()) (@n) would have 6 inbox shares within 24 hours on 2026-12-03 (UTC), "
                    + "over TikTok's limit of 5 pending inbox shares per 24 hours"
            ])
        }
        // The next midnight still shares a window with the noon shares; the one after does not.
        #expect(try budget.apply(times: [midnight], accountIndexes: [0], policy: .spread) == [self.utc("2026-12-05T00:00:00Z")])
        // The same shares as direct posts only count against the daily cap.
        let direct = CampaignBudget(accounts: [account], existing: [[.init(runAt: noon, inbox: false, count: 5)]], inbox: true, scheduleZone: nil)
        #expect(try direct.apply(times: [midnight], accountIndexes: [0], policy: .reject) == [midnight])
    }

    // MARK: - Concurrency

    @Test func twoConcurrentStartsOverOneAccountCannotBothExceedTheCap() async throws {
        try await withMigratedSchema(poolSize: 4) { client in
            let repository = CampaignRepository(client: client)
            let starter = CampaignStarter(client: client)
            for _ in 0..<5 {
                let shared = try await CampaignFixtures.account(client, nickname: "shared", dailyCap: 3)
                let first = try await repository.create(CampaignFixtures.draft(media: try await self.media(client, 2), accounts: [shared]))
                let second = try await repository.create(CampaignFixtures.draft(media: try await self.media(client, 2), accounts: [shared]))
                let outcomes = await withTaskGroup(of: Result<CampaignStartResult, any Error>.self) { group in
                    for id in [first.id, second.id] {
                        group.addTask {
                            do { return .success(try await starter.start(id)) } catch { return .failure(error) }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.compactMap { try? $0.get() }.count == 1, "exactly one of two starts fits in the cap")
                for case .failure(let error) in outcomes {
                    #expect((error as? DomainError)?.details.map(\.field) == ["budget"], "\(error)")
                }
                #expect(try await self.accountPosts(client, shared) == 2)
            }
        }
    }

    // MARK: - Create and update

    @Test func overBudgetIsStoredAndUpdateRunsTheObviousCheck() async throws {
        try await withMigratedSchema { client in
            let small = try await CampaignFixtures.account(client, nickname: "small", timeZone: "Asia/Tokyo", dailyCap: 2)
            let media = try await self.media(client, 3)
            let repository = CampaignRepository(client: client)
            var draft = CampaignFixtures.draft(media: media, accounts: [small], schedule: .at(localDateTime: "2026-12-03T20:00", timeZone: "UTC"))
            draft.overBudget = .spread
            let campaign = try await repository.create(draft)
            #expect(try await repository.get(campaign.id).overBudget == .spread)
            #expect(try await repository.list().items.first?.overBudget == .spread)
            // Back to reject: 20:00 UTC is 05:00 the next day in Tokyo.
            let error = await expectDomainError(.invalidInput) { _ = try await repository.update(campaign.id, CampaignPatch(overBudget: .reject)) }
            #expect(error?.details.map(\.problem) == ["\(self.name(small, "small")) would post 3 times on 2026-12-04 (Asia/Tokyo), over its daily cap of 2"])
            #expect(try await repository.get(campaign.id).overBudget == .spread, "a refused change changes nothing")
            let fitted = try await repository.update(campaign.id, CampaignPatch(mediaIDs: Array(media.prefix(2)), overBudget: .reject))
            #expect(fitted.overBudget == .reject && fitted.mediaIDs.count == 2)
            // Slots are left to the start (their days depend on when it runs).
            draft.schedule = .slots([.init(weekday: "mon", time: "09:00")], timeZone: "UTC", startDate: "2026-12-01")
            draft.overBudget = .reject
            #expect(try await repository.create(draft).overBudget == .reject)
        }
    }
}
