import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// One clock (issue 7, item 2): a process whose local clock runs 60 s ahead judges leases and due times by Redis's
    /// clock. Each test drives the skewed process both ways it can reach the broker: with the raw local time (what a
    /// caller that reads its own clock passes; the scripts check it against `TIME`) and with the broker's ``RedisClock``
    /// (what the worker and the maintenance loops pass).
    @Suite struct BrokerClockSkewTests {
        static let skew: TimeInterval = 60

        /// A broker on the fixture's client whose local clock runs ``skew`` seconds ahead.
        func skewedBroker(_ fixture: BrokerFixture) -> RedisJobBroker {
            RedisJobBroker(client: fixture.client, wallClock: { Date().addingTimeInterval(Self.skew) })
        }

        /// Redis's `TIME` in milliseconds.
        func redisMilliseconds(_ fixture: BrokerFixture) async throws -> Int64 {
            let parts = try await fixture.send(["TIME"]).array?.compactMap(\.string) ?? []
            let seconds = try #require(parts.first.flatMap { Int64($0) })
            let micros = try #require(parts.last.flatMap { Int64($0) })
            return seconds * 1000 + micros / 1000
        }

        @Test func theClockMeasuresTheSkewAgainstRedis() async throws {
            try await BrokerFixture.with("skewclock") { fixture in
                let skewed = self.skewedBroker(fixture)
                let offset = try await skewed.clock.measure()
                #expect(abs(offset + Self.skew) < 1, "offset \(offset) s should undo the 60 s skew")
                let now = milliseconds(try await skewed.now())
                #expect(abs(now - (try await self.redisMilliseconds(fixture))) < 1_000)
            }
        }

        @Test func aSkewedRecovererDoesNotStealALiveRenewedLease() async throws {
            try await BrokerFixture.with("skewlease") { fixture in
                let request = try fixture.request()
                _ = try await fixture.enqueue(request)
                let held = try #require(try await fixture.claim(lease: .seconds(30), now: try await fixture.broker.now()).first)
                #expect(await fixture.broker.start(held))
                let skewed = self.skewedBroker(fixture)
                for round in 0..<2 {
                    let raw = try await skewed.recoverExpiredLeases(
                        queue: fixture.queue, now: Date().addingTimeInterval(Self.skew), maxStalls: 3, orphanGrace: .seconds(30))
                    #expect(raw.isEmpty, "round \(round): the skewed local time took a live lease")
                    let corrected = try await skewed.recoverExpiredLeases(
                        queue: fixture.queue, now: try await skewed.now(), maxStalls: 3, orphanGrace: .seconds(30))
                    #expect(corrected.isEmpty, "round \(round): Redis-corrected time took a live lease")
                    // The correct-clock worker renews its lease; the skewed process looks again.
                    #expect(try await fixture.broker.extendLeases([held], duration: .seconds(30), now: try await fixture.broker.now()).isEmpty)
                }
                let hash = try await fixture.hash(held.id)
                #expect(hash[JobHashField.state] == "active" && hash[JobHashField.token] == held.leaseToken)
                #expect(hash[JobHashField.stalls] == "0")
                #expect(try await fixture.score(fixture.keys.lease, held.id) != nil, "still held")
            }
        }

        @Test func aSkewedForwarderDoesNotPromoteAJobEarly() async throws {
            try await BrokerFixture.with("skewpromote") { fixture in
                let runAt = Date(epochMillisecondsForTest: try await self.redisMilliseconds(fixture) + 30_000)
                let request = try fixture.request(EnqueueOptions(runAt: runAt))
                _ = try await fixture.enqueue(request, now: try await fixture.broker.now())
                let skewed = self.skewedBroker(fixture)
                let raw = try await skewed.promoteDue(queue: fixture.queue, now: Date().addingTimeInterval(Self.skew), limit: 100)
                #expect(raw.moved == 0, "the skewed local time promoted a job due in 30 s")
                let corrected = try await skewed.promoteDue(queue: fixture.queue, now: try await skewed.now(), limit: 100)
                #expect(corrected.moved == 0)
                // Enqueued by the skewed process itself, a job for 30 s ahead is not due either.
                let other = try fixture.request(EnqueueOptions(runAt: runAt))
                _ = try await skewed.enqueue([other], queue: fixture.queue, now: Date().addingTimeInterval(Self.skew))
                #expect(try await fixture.field(request.options.id, JobHashField.state) == "scheduled")
                #expect(try await fixture.field(other.options.id, JobHashField.state) == "scheduled")
                #expect(try await fixture.length(fixture.keys.ready) == 0)
                #expect(try await fixture.cardinality(fixture.keys.scheduled) == 2)
            }
        }

        @Test func aSkewedWorkerDoesNotWriteItsLeasesTooLong() async throws {
            try await BrokerFixture.with("skewown") { fixture in
                _ = try await fixture.broker.enqueue([try fixture.request(), try fixture.request()], queue: fixture.queue, now: Date())
                let skewed = self.skewedBroker(fixture)
                let raw = try #require(
                    try await skewed.claim(queue: fixture.queue, worker: "skewed", limit: 1, leaseDuration: .seconds(30), wait: .zero,
                        now: Date().addingTimeInterval(Self.skew)).first)
                let corrected = try #require(
                    try await skewed.claim(queue: fixture.queue, worker: "skewed", limit: 1, leaseDuration: .seconds(30), wait: .zero,
                        now: try await skewed.now()).first)
                let limit = try await self.redisMilliseconds(fixture) + 30_000 + 1_000
                for job in [raw, corrected] {
                    let deadline = try #require(try await fixture.score(fixture.keys.lease, job.id))
                    #expect(deadline <= limit, "lease written \(deadline - limit + 1_000) ms past Redis's now + 30 s")
                }
                _ = try await skewed.extendLeases([raw, corrected], duration: .seconds(30), now: Date().addingTimeInterval(Self.skew))
                let after = try await self.redisMilliseconds(fixture) + 30_000 + 1_000
                for job in [raw, corrected] {
                    let deadline = try #require(try await fixture.score(fixture.keys.lease, job.id))
                    #expect(deadline <= after, "renewed \(deadline - after + 1_000) ms past Redis's now + 30 s")
                }
            }
        }
    }
}

extension Date {
    /// The date `milliseconds` after 1970.
    init(epochMillisecondsForTest milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
