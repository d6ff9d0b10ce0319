import Domain
import Foundation
import JobQueue
import Postgres
import Publishing
import Redis
@testable import Scheduler
import TestSupport
import Testing

/// The loader's transaction and push: look-ahead, exact run times, the misfire policy, paused campaigns, fencing.
@Suite struct TimedPostLoaderTests {
    @Test func postsDueWithinTheLookAheadAreQueuedAndScheduledInRedisAtTheirExactRunTime() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let campaign = try await fixture.campaign()
            let now = try await fixture.clock.now()
            let soon = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + 30).rounded(.down) + 0.123)
            let near = try await fixture.post(account: account, media: media, campaign: campaign, runAt: soon)
            let far = try await fixture.post(account: account, media: media, campaign: campaign, runAt: now.addingTimeInterval(600))
            let fence = SchedulerFence(leader: "t", token: 1)
            let result = try await fixture.repository.loadDue(now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: fence)
            #expect(result.queued == [near])
            #expect(result.campaignsStarted == 1)
            try await fixture.enqueuer().enqueue(ids: result.queued, now: now)
            #expect(try await fixture.statuses([near, far]) == [near: "queued", far: "scheduled"])
            #expect(try await fixture.scheduledScore(near) == Int64((soon.timeIntervalSince1970 * 1000).rounded()))
            #expect(try await fixture.jobExists(far) == false)
            // A second pass finds nothing more: nothing is loaded twice.
            let again = try await fixture.repository.loadDue(now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: fence)
            #expect(again.queued.isEmpty)
            let events = try await fixture.postgres.query("SELECT count(*) AS n FROM post_events WHERE post_id = \(near) AND event = 'post.queued'")
            #expect(try events.first?.decode("n", as: Int.self) == 1)
        }
    }

    @Test func afterDowntimeAPostWithinTheMisfireWindowFiresLateAndAnOlderOneIsMissedWithItsReason() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let campaign = try await fixture.campaign(status: "running")
            let now = try await fixture.clock.now()
            let late = try await fixture.post(account: account, media: media, campaign: campaign, runAt: now.addingTimeInterval(-300))
            let tooLate = try await fixture.post(account: account, media: media, campaign: campaign, runAt: now.addingTimeInterval(-1200))
            let result = try await fixture.repository.loadDue(
                now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: SchedulerFence(leader: "t", token: 1))
            #expect(result.queued == [late])
            #expect(result.missed == [tooLate])
            try await fixture.enqueuer().enqueue(ids: result.queued, now: now)
            // Due already: straight to the ready list.
            let ready = try await fixture.redis.send(["LRANGE", fixture.queueKeys.ready, "0", "-1"]).array?.compactMap(\.string) ?? []
            #expect(ready == [late.uuidString.lowercased()])
            let row = try #require(try await fixture.postgres.query("SELECT status, error_code, error_message, finished_at FROM posts WHERE id = \(tooLate)").first)
            #expect(try row.decode("status", as: String.self) == "missed")
            #expect(try row.decode("error_code", as: String.self) == "missed")
            let message = try row.decode("error_message", as: String.self)
            #expect(message.contains("misfire window (600 s)"))
            #expect(try row.decode("finished_at", as: Date?.self) != nil)
            #expect(try await fixture.jobExists(tooLate) == false)
        }
    }

    @Test func aCampaignWhosePostsAreAllMissedCompletes() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let campaign = try await fixture.campaign(status: "scheduled")
            let now = try await fixture.clock.now()
            _ = try await fixture.post(account: account, media: media, campaign: campaign, runAt: now.addingTimeInterval(-7200))
            let result = try await fixture.repository.loadDue(
                now: now, lookAhead: 120, misfireWindow: 60, limit: 100, fence: SchedulerFence(leader: "t", token: 1))
            #expect(result.campaignsCompleted == 1)
            let status = try await fixture.postgres.query("SELECT status FROM campaigns WHERE id = \(campaign)").first?.decode("status", as: String.self)
            #expect(status == "completed")
        }
    }

    @Test func postsOfAPausedCampaignWait() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let campaign = try await fixture.campaign(status: "paused")
            let now = try await fixture.clock.now()
            let post = try await fixture.post(account: account, media: media, campaign: campaign, runAt: now.addingTimeInterval(5))
            let result = try await fixture.repository.loadDue(
                now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: SchedulerFence(leader: "t", token: 1))
            #expect(result.queued.isEmpty)
            #expect(try await fixture.statuses([post]) == [post: "scheduled"])
        }
    }

    @Test func anOlderFencingTokenIsRefusedAndWritesNothing() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let now = try await fixture.clock.now()
            _ = try await fixture.repository.loadDue(now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: SchedulerFence(leader: "new", token: 7))
            let post = try await fixture.post(account: account, media: media, runAt: now.addingTimeInterval(5))
            let error = await #expect(throws: DomainError.self) {
                _ = try await fixture.repository.loadDue(
                    now: now, lookAhead: 120, misfireWindow: 600, limit: 100, fence: SchedulerFence(leader: "old", token: 6))
            }
            #expect(error?.code == .staleLeader)
            #expect(try await fixture.statuses([post]) == [post: "scheduled"])
            #expect(try await fixture.repository.storedFenceToken() == 7)
        }
    }
}
