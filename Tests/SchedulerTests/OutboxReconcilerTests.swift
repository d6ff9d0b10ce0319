import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
@testable import Scheduler
import TestSupport
import Testing

/// The outbox reconciler pushes again exactly the `queued` posts that Redis lost and that never ran.
@Suite struct OutboxReconcilerTests {
    func reconciler(_ fixture: SchedulerFixture, grace: Duration = .milliseconds(1)) -> OutboxReconciler {
        OutboxReconciler(
            repository: fixture.repository, redis: fixture.redis, enqueuer: fixture.enqueuer(), clock: fixture.clock, queues: [fixture.queue],
            grace: grace, fence: SchedulerFence(leader: "t", token: 1), logger: Logger(label: "test"))
    }

    /// Makes the post's last change older than any grace used here.
    func age(_ fixture: SchedulerFixture, _ ids: [UUID]) async throws {
        _ = try await fixture.postgres.execute(
            "UPDATE posts SET updated_at = now() - interval '1 hour' WHERE id = ANY(\(ids.map { $0.uuidString.lowercased() })::uuid[])")
    }

    @Test func aQueuedPostRedisNeverGotIsPushedAgainOnce() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let now = try await fixture.clock.now()
            let lost = try await fixture.post(account: account, media: media, status: "queued", runAt: now)
            try await self.age(fixture, [lost])
            #expect(try await self.reconciler(fixture).reconcile() == 1)
            #expect(try await fixture.jobExists(lost))
            // It is the newest queued mark now, and the next sweep leaves it alone (Redis knows it).
            try await self.age(fixture, [lost])
            #expect(try await self.reconciler(fixture).reconcile() == 0)
            let events = try await fixture.postgres.query("SELECT event FROM post_events WHERE post_id = \(lost) ORDER BY id")
            #expect(try events.map { try $0.decode("event", as: String.self) } == ["post.created", "post.requeued"])
        }
    }

    @Test func aPostWithinTheGraceIsLeftAlone() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let fresh = try await fixture.post(account: account, media: media, status: "queued", runAt: Date())
            #expect(try await self.reconciler(fixture, grace: .seconds(60)).reconcile() == 0)
            #expect(try await fixture.jobExists(fresh) == false)
        }
    }

    @Test func aPostThatRanIsNeverPushedAgainEvenWhenItsJobIsGone() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let ran = try await fixture.post(account: account, media: media, status: "queued", runAt: Date())
            // The recorder wrote an event of a run after the post was queued (its job hash has since expired).
            _ = try await fixture.postgres.execute(
                "INSERT INTO post_events (post_id, event, from_status, to_status, actor) VALUES (\(ran), 'post.progress', 'queued', 'queued', 'recorder')")
            _ = try await fixture.postgres.execute(
                "INSERT INTO post_events (post_id, event, actor) VALUES (\(ran), 'post.started', 'recorder')")
            try await self.age(fixture, [ran])
            #expect(try await self.reconciler(fixture).reconcile() == 0)
            #expect(try await fixture.jobExists(ran) == false)
        }
    }

    @Test func aPostWhoseResultWaitsInTheStreamIsNotPushedAgain() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let waiting = try await fixture.post(account: account, media: media, status: "queued", runAt: Date())
            _ = try await fixture.redis.send(
                ["XADD", fixture.queueKeys.results, "*", ResultEventField.event, "completed", ResultEventField.job, waiting.uuidString.lowercased()])
            try await self.age(fixture, [waiting])
            #expect(try await self.reconciler(fixture).reconcile() == 0)
            #expect(try await fixture.jobExists(waiting) == false)
        }
    }

    @Test func aPostRedisHoldsIsLeftAlone() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let known = try await fixture.post(account: account, media: media, status: "queued", runAt: Date().addingTimeInterval(30))
            try await fixture.enqueuer().enqueue(ids: [known], now: try await fixture.clock.now())
            let before = try await fixture.scheduledScore(known)
            try await self.age(fixture, [known])
            #expect(try await self.reconciler(fixture).reconcile() == 0)
            #expect(try await fixture.scheduledScore(known) == before)
            let events = try await fixture.postgres.query("SELECT count(*) AS n FROM post_events WHERE post_id = \(known)")
            #expect(try events.first?.decode("n", as: Int.self) == 1)
        }
    }
}
