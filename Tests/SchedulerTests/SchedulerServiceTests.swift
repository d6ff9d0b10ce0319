import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
@testable import Scheduler
import ServiceLifecycle
import TestSupport
import Testing

/// Two schedulers in one process, each in its own service group: one leads, a handover fires nothing twice, the
/// leader publishes its figures.
@Suite struct SchedulerServiceTests {
    @Test func oneOfTwoLeadsAndAHandoverMidwayFiresEveryPostExactlyOnce() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let configuration = fixture.configuration { $0.lookAhead = .milliseconds(300) }
            let first = fixture.scheduler(id: "first", configuration: configuration)
            let second = fixture.scheduler(id: "second", configuration: configuration)
            let firstGroup = ServiceGroup(services: [first], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await firstGroup.run() }
                try await eventually("the first to lead") { try await LeaderLease.current(redis: fixture.redis, keys: fixture.schedulerKeys).leader == "first" }
                // 30 posts due over the next three seconds: the look-ahead makes the leader load them a few at a time.
                let now = try await fixture.clock.now()
                var posts: [UUID] = []
                for index in 0..<30 {
                    posts.append(try await fixture.post(account: account, media: media, runAt: now.addingTimeInterval(0.5 + Double(index) * 0.1)))
                }
                try await withRunningServices([second]) {
                    try await Task.sleep(for: .milliseconds(1500))
                    // Midway, the leader shuts down: it gives up the lease and the standby takes over at once.
                    await firstGroup.triggerGracefulShutdown()
                    try await eventually("the second to lead") {
                        try await LeaderLease.current(redis: fixture.redis, keys: fixture.schedulerKeys).leader == "second"
                    }
                    try await eventually("every post fired", timeout: .seconds(20)) {
                        try await fixture.redis.send(["LLEN", fixture.queueKeys.ready]).int == posts.count
                    }
                }
                try await tasks.waitForAll()
                let ready = try await fixture.redis.send(["LRANGE", fixture.queueKeys.ready, "0", "-1"]).array?.compactMap(\.string) ?? []
                #expect(Set(ready) == Set(posts.map { $0.uuidString.lowercased() }))
                #expect(ready.count == posts.count)
                let rows = try await fixture.postgres.query(
                    "SELECT post_id, count(*) AS n, array_agg(DISTINCT actor) AS actors FROM post_events WHERE event = 'post.queued' GROUP BY post_id")
                #expect(rows.count == posts.count)
                for row in rows { #expect(try row.decode("n", as: Int.self) == 1) }
                let leaders = try await fixture.postgres.query("SELECT leader, token FROM scheduler_fence")
                #expect(try leaders.first?.decode("leader", as: String.self) == "second")
            }
        }
    }

    @Test func theLeaderPublishesLagStuckPostsAndItsTerm() async throws {
        try await SchedulerFixture.with { fixture in
            let account = try await fixture.account()
            let media = try await fixture.media()
            let now = try await fixture.clock.now()
            // Queued ten minutes ago and never picked up: stuck past due.
            _ = try await fixture.post(account: account, media: media, status: "queued", runAt: now.addingTimeInterval(-600))
            let before = try await SchedulerReport.read(redis: fixture.redis, now: now, keys: fixture.schedulerKeys)
            #expect(before.state == "no_leader")
            try await withRunningServices([fixture.scheduler(id: "solo")]) {
                let report = try await eventuallyValue("figures published") { () -> SchedulerReport? in
                    let report = try await SchedulerReport.read(redis: fixture.redis, now: try await fixture.clock.now(), keys: fixture.schedulerKeys)
                    return report.stuckPastDue == nil ? nil : report
                }
                #expect(report.leader == "solo")
                #expect(report.stuckPastDue == 1)
                #expect(report.fencingToken ?? 0 >= 1)
                #expect(report.state == "ok")
            }
        }
    }
}
