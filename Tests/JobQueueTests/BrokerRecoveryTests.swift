import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// The recoverer against a real Redis, on the broker's own clock (`now` is passed in, so no test waits for a lease).
    @Suite struct BrokerRecoveryTests {
        @Test func tooManyStallsBuryTheJob() async throws {
            try await BrokerFixture.with("stall") { fixture in
                let broker = fixture.broker
                let request = try fixture.request(EnqueueOptions(uniqueKey: "stall-key"))
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))

                let first = try await fixture.claim(lease: .milliseconds(200), now: instant(1_000))
                #expect(first.map(\.id) == [id])
                #expect(await broker.start(first[0]), "the handler begins: an expired lease now counts a stall")
                #expect(try await broker.recoverExpiredLeases(queue: fixture.queue, now: instant(1_100), maxStalls: 1, orphanGrace: .seconds(5)).isEmpty,
                    "a live lease is left alone")
                #expect(try await broker.recoverExpiredLeases(queue: fixture.queue, now: instant(2_000), maxStalls: 1, orphanGrace: .seconds(5)) == [id])
                #expect(try await fixture.field(id, JobHashField.state) == "ready")
                #expect(try await fixture.field(id, JobHashField.stalls) == "1")

                let second = try await fixture.claim(lease: .milliseconds(200), now: instant(3_000))
                #expect(second.map(\.id) == [id] && second.first?.attempt == 2)
                #expect(await broker.start(second[0]))
                #expect(try await broker.recoverExpiredLeases(queue: fixture.queue, now: instant(4_000), maxStalls: 1, orphanGrace: .seconds(5)) == [id])

                let hash = try await fixture.hash(id)
                #expect(hash[JobHashField.state] == "dead" && hash[JobHashField.stalls] == "2")
                #expect(hash[JobHashField.finishedAt] == String(milliseconds(instant(4_000))))
                #expect(hash[JobHashField.lastError]?.contains("lease expired") == true)
                #expect(try await fixture.score(fixture.keys.dead, id) == milliseconds(instant(4_000)))
                #expect(try await fixture.length(fixture.keys.ready) == 0)
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                #expect(try await fixture.events("recovered", of: id).count == 1)
                #expect(try await fixture.events("dead", of: id).count == 1)
                #expect(try await fixture.stat("recovered") == 1)
                #expect(try await fixture.stat("dead") == 1)
                #expect(try await fixture.exists(fixture.keys.unique("stall-key")) == false, "a dead job releases its unique key")
                #expect(try await fixture.claim(now: instant(5_000)).isEmpty)
            }
        }

        /// A worker that died between moving an id to active and leasing it leaves an orphan: the recoverer puts it back
        /// in ready once the grace has passed, once.
        @Test func anOrphanInActiveGoesBackToReadyAfterTheGrace() async throws {
            try await BrokerFixture.with("orphan") { fixture in
                let broker = fixture.broker
                let other = try fixture.request()
                let request = try fixture.request()
                let id = request.options.id
                _ = try await broker.enqueue([request, other], queue: fixture.queue, now: instant(0))
                // The crash: the move happened, the lease never did.
                #expect(try await fixture.send(["LMOVE", fixture.keys.ready, fixture.keys.active, "RIGHT", "LEFT"]).string == id.description)
                #expect(try await fixture.list(fixture.keys.ready) == [other.options.id.description])

                let grace = Duration.milliseconds(500)
                func recover(_ at: Int64) async throws -> [JobID] {
                    try await broker.recoverExpiredLeases(queue: fixture.queue, now: instant(at), maxStalls: 3, orphanGrace: grace)
                }
                #expect(try await recover(1_000).isEmpty, "first sighting")
                #expect(try await fixture.field(id, JobHashField.orphanSeen) == String(milliseconds(instant(1_000))))
                #expect(try await recover(1_300).isEmpty, "within the grace")
                #expect(try await fixture.list(fixture.keys.active) == [id.description])
                #expect(try await recover(1_600) == [id])

                #expect(try await fixture.list(fixture.keys.ready) == [other.options.id.description, id.description], "back at the head")
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.field(id, JobHashField.state) == "ready")
                #expect(try await fixture.field(id, JobHashField.orphanSeen) == nil)
                #expect(try await fixture.events("recovered", of: id).count == 1)
                #expect(try await recover(5_000).isEmpty, "nothing left to repair")
                #expect(try await fixture.list(fixture.keys.ready).filter { $0 == id.description }.count == 1, "never duplicated")

                // It runs normally next, as its first attempt (the orphaned take never leased it).
                let jobs = try await fixture.claim(5, now: instant(6_000))
                #expect(jobs.map(\.id) == [id, other.options.id] && jobs.first?.attempt == 1)
            }
        }

        /// An orphan whose job was leased meanwhile (the id is in active twice, the lease exists) is not an orphan.
        @Test func aLeasedJobIsNeverTakenForAnOrphan() async throws {
            try await BrokerFixture.with("leased") { fixture in
                let request = try fixture.request()
                _ = try await fixture.enqueue(request, now: instant(0))
                let jobs = try await fixture.claim(lease: .seconds(60), now: instant(1_000))
                #expect(jobs.map(\.id) == [request.options.id])
                for at in [2_000, 10_000, 20_000] as [Int64] {
                    #expect(try await fixture.broker.recoverExpiredLeases(queue: fixture.queue, now: instant(at), maxStalls: 3, orphanGrace: .milliseconds(100)).isEmpty)
                }
                #expect(try await fixture.length(fixture.keys.ready) == 0)
                #expect(try await fixture.field(request.options.id, JobHashField.state) == "active")
                #expect(try await fixture.broker.complete(jobs, now: instant(30_000)).isEmpty)
            }
        }
    }
}
