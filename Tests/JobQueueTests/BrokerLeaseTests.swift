import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// Leases against a real Redis: a worker whose lease was taken over can no longer settle the job, and batched claims.
    @Suite struct BrokerLeaseTests {
        @Test func aLateAckAfterATakeoverIsRefused() async throws {
            try await BrokerFixture.with("late") { fixture in
                let broker = fixture.broker
                let request = try fixture.request()
                let id = request.options.id
                _ = try await fixture.enqueue(request)

                let a = try #require(try await fixture.claim(worker: "worker-a", lease: .milliseconds(200)).first)
                #expect(a.id == id && a.attempt == 1)
                #expect(await broker.start(a))
                try await Task.sleep(for: .milliseconds(400))  // past A's lease
                let recovered = try await broker.recoverExpiredLeases(queue: fixture.queue, now: Date(), maxStalls: 5, orphanGrace: .seconds(30))
                #expect(recovered == [id])
                #expect(try await fixture.field(id, JobHashField.stalls) == "1")
                #expect(try await fixture.field(id, JobHashField.state) == "ready")
                #expect(try await fixture.list(fixture.keys.ready) == [id.description])
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                #expect(try await fixture.events("recovered", of: id).count == 1)
                #expect(try await fixture.stat("recovered") == 1)

                let b = try #require(try await fixture.claim(worker: "worker-b", lease: .seconds(30)).first)
                #expect(b.id == id && b.attempt == 2)
                #expect(b.leaseToken != a.leaseToken)
                let bDeadline = try await fixture.score(fixture.keys.lease, id)

                // Every call A makes with its old token is refused and changes nothing.
                #expect(try await broker.complete([a], now: Date()) == [id])
                let failError = await #expect(throws: JobQueueError.self) {
                    _ = try await broker.fail(a, error: "late", permanent: false, retryAt: Date(), now: Date())
                }
                #expect(failError?.code == .leaseLost)
                let snoozeError = await #expect(throws: JobQueueError.self) { try await broker.snooze(a, until: Date(), now: Date()) }
                #expect(snoozeError?.code == .leaseLost)
                let checkpointError = await #expect(throws: JobQueueError.self) { try await broker.checkpoint(a, data: "{}", now: Date()) }
                #expect(checkpointError?.code == .leaseLost)
                let requeueError = await #expect(throws: JobQueueError.self) { try await broker.requeue(a, now: Date()) }
                #expect(requeueError?.code == .leaseLost)
                #expect(try await broker.extendLeases([a], duration: .seconds(600), now: Date()) == [id])

                let during = try await fixture.hash(id)
                #expect(during[JobHashField.state] == "active" && during[JobHashField.owner] == "worker-b")
                #expect(during[JobHashField.token] == b.leaseToken && during[JobHashField.checkpoint] == nil)
                #expect(try await fixture.score(fixture.keys.lease, id) == bDeadline, "A's extend did not move B's lease")
                #expect(try await fixture.length(fixture.keys.active) == 0, "a held job is in the lease set only")

                // B's lease is intact and B settles the job.
                #expect(try await broker.extendLeases([b], duration: .seconds(30), now: Date()).isEmpty)
                #expect(try await broker.complete([b], now: Date()).isEmpty)
                #expect(try await fixture.field(id, JobHashField.state) == "completed")
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                #expect(try await fixture.cardinality(fixture.keys.scheduled) == 0)
                #expect(try await fixture.length(fixture.keys.ready) == 0)
                #expect(try await fixture.events("completed", of: id).count == 1)
                #expect(try await fixture.events().filter { $0[ResultEventField.event] != "recovered" && $0[ResultEventField.event] != "completed" }.isEmpty)
                #expect(try await fixture.stat("completed") == 1)
                #expect(try await fixture.stat("failed") == 0)
            }
        }

        @Test func aBatchedClaimTakesTheOldestAndAPausedQueueTakesNothing() async throws {
            try await BrokerFixture.with("batch") { fixture in
                let broker = fixture.broker
                let requests = try (0..<50).map { _ in try fixture.request() }
                _ = try await broker.enqueue(requests, queue: fixture.queue, now: Date())

                let jobs = try await fixture.claim(20, worker: "batcher")
                #expect(jobs.map(\.id) == requests.prefix(20).map(\.options.id), "the 20 oldest, oldest first")
                #expect(Set(jobs.map(\.leaseToken)).count == 20, "distinct lease tokens")
                #expect(jobs.allSatisfy { $0.attempt == 1 && $0.queue == fixture.queue })
                for job in jobs {
                    #expect(try await fixture.score(fixture.keys.lease, job.id) != nil)
                    #expect(try await fixture.field(job.id, JobHashField.token) == job.leaseToken)
                }
                #expect(try await fixture.length(fixture.keys.active) == 0, "claimed straight into the lease set")
                #expect(try await fixture.cardinality(fixture.keys.lease) == 20)
                #expect(try await fixture.length(fixture.keys.ready) == 30)

                // Paused: nothing is taken, at once or after a wait (which it sits out, so a worker loop does not spin).
                try await broker.setPaused(true, queue: fixture.queue)
                #expect(try await fixture.claim(20).isEmpty)
                let wait = Duration.milliseconds(600)
                let started = ContinuousClock.now
                #expect(try await fixture.claim(20, wait: wait).isEmpty)
                let waited = ContinuousClock.now - started
                #expect(waited >= wait / 2, "returned after \(waited), not after about \(wait)")
                #expect(try await fixture.length(fixture.keys.ready) == 30)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 20)
                try await broker.setPaused(false, queue: fixture.queue)

                #expect(try await broker.complete(jobs, now: Date()).isEmpty)
                for job in jobs { #expect(try await fixture.field(job.id, JobHashField.state) == "completed") }
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                let completed = try await fixture.events().filter { $0[ResultEventField.event] == "completed" }.compactMap { $0[ResultEventField.job] }
                #expect(completed.count == 20 && Set(completed) == Set(jobs.map(\.id.description)))
                #expect(try await fixture.stat("completed") == 20)
                // The next claim goes on with the 21st.
                #expect(try await fixture.claim().map(\.id) == [requests[20].options.id])
            }
        }
    }
}
