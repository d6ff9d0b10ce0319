import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// No orphan is left behind (issue 7, item 6): the recoverer walks the whole `active` list, and a job that was leased
    /// but never started costs no attempt and no stall.
    @Suite struct BrokerOrphanRecoveryTests {
        @Test func anOrphanAtTheFarEndOfFiveThousandActiveJobsIsRecovered() async throws {
            try await BrokerFixture.with("farorphan") { fixture in
                let broker = fixture.broker
                let orphan = try fixture.request()
                _ = try await fixture.enqueue(orphan, now: instant(0))
                // A worker moved the orphan to active (BLMOVE) and died before leasing it: it sits at the far (right) end.
                _ = try await fixture.send(["LMOVE", fixture.keys.ready, fixture.keys.active, "RIGHT", "LEFT"])
                let others = try (0..<5_000).map { _ in try fixture.request() }
                _ = try await broker.enqueue(others, queue: fixture.queue, now: instant(0))
                // 5,000 held jobs also listed in active (as a release before issue 12 left them, or as many blocking
                // pickups in flight): leased, so not orphans, but the walk must get past them.
                for _ in 0..<5 { try await fixture.listInActive(try await fixture.claim(1_000, lease: .seconds(600), now: instant(1_000))) }
                let active = try await fixture.list(fixture.keys.active)
                #expect(active.count == 5_001)
                #expect(active.last == orphan.options.id.description, "the orphan is the oldest entry")

                let first = try await broker.recoverExpiredLeases(queue: fixture.queue, now: instant(2_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(first.isEmpty, "first sighting only")
                let recovered = try await broker.recoverExpiredLeases(
                    queue: fixture.queue, now: instant(8_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(recovered == [orphan.options.id])
                #expect(try await fixture.list(fixture.keys.ready) == [orphan.options.id.description])
                #expect(try await fixture.length(fixture.keys.active) == 5_000)
                #expect(try await fixture.field(orphan.options.id, JobHashField.state) == "ready")
            }
        }

        @Test func theRecoveryCursorWalksTheActiveListAcrossPasses() async throws {
            try await BrokerFixture.with("cursor") { fixture in
                let jobs = try (0..<2_500).map { _ in try fixture.request() }
                _ = try await fixture.broker.enqueue(jobs, queue: fixture.queue, now: instant(0))
                var held: [LeasedJob] = []
                for _ in 0..<3 {
                    let jobs = try await fixture.claim(1_000, lease: .seconds(600), now: instant(1_000))
                    try await fixture.listInActive(jobs)
                    held += jobs
                }
                #expect(try await fixture.length(fixture.keys.active) == 2_500)
                _ = try await fixture.broker.recoverExpiredLeases(queue: fixture.queue, now: instant(2_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(try await fixture.exists(fixture.keys.recoverCursor) == false, "a pass that reached the end starts over at 0")
                #expect(try await fixture.length(fixture.keys.active) == 2_500, "held jobs' copies stay while they are held")
                // Once the jobs finish, the next pass drops every copy an older release left in active.
                #expect(try await fixture.broker.complete(held, now: instant(1_500)).isEmpty)
                _ = try await fixture.broker.recoverExpiredLeases(queue: fixture.queue, now: instant(3_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(try await fixture.length(fixture.keys.active) == 0)
            }
        }

        @Test func aClaimWhoseReplyWasLostCostsNoAttemptAndNoStall() async throws {
            try await BrokerFixture.with("lostreply") { fixture in
                let request = try fixture.request()
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))
                // The claim ran in Redis, but its reply never reached the worker: nobody starts the job.
                _ = try await fixture.claim(lease: .milliseconds(200), now: instant(1_000))
                let recovered = try await fixture.broker.recoverExpiredLeases(
                    queue: fixture.queue, now: instant(2_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(recovered == [id])
                let hash = try await fixture.hash(id)
                #expect(hash[JobHashField.state] == "ready")
                #expect(hash[JobHashField.attempt] == "0", "an attempt that never ran is given back")
                #expect(hash[JobHashField.stalls] == "0", "a job that never started did not stall")
                #expect(try await fixture.list(fixture.keys.ready) == [id.description])
                let again = try await fixture.claim(now: instant(3_000))
                #expect(again.first?.attempt == 1)
            }
        }

        @Test func aStartedJobWhoseLeaseExpiredCountsAStallAndKeepsItsAttempt() async throws {
            try await BrokerFixture.with("started") { fixture in
                let request = try fixture.request()
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))
                let job = try #require(try await fixture.claim(lease: .milliseconds(200), now: instant(1_000)).first)
                #expect(await fixture.broker.start(job))
                let recovered = try await fixture.broker.recoverExpiredLeases(
                    queue: fixture.queue, now: instant(2_000), maxStalls: 3, orphanGrace: .seconds(5))
                #expect(recovered == [id])
                let hash = try await fixture.hash(id)
                #expect(hash[JobHashField.attempt] == "1" && hash[JobHashField.stalls] == "1")
                #expect(await fixture.broker.start(job) == false, "a lease taken over cannot start")
            }
        }
    }
}
