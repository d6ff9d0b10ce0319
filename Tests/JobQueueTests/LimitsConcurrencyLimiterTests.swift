import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

@Suite struct LimitsConcurrencyLimiterTests {
    @Test func admitsAtMostNHoldersAndReleaseFreesASlot() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = ConcurrencyLimiter(client: client, prefix: prefix)
            let now = instant(0)
            #expect(try await limiter.acquire(key: "account:1:upload", limit: 2, holder: "w1", lease: .seconds(30), now: now))
            #expect(try await limiter.acquire(key: "account:1:upload", limit: 2, holder: "w2", lease: .seconds(30), now: now))
            #expect(try await limiter.acquire(key: "account:1:upload", limit: 2, holder: "w3", lease: .seconds(30), now: now) == false)
            #expect(try await limiter.acquire(key: "account:1:upload", limit: 2, holder: "w1", lease: .seconds(30), now: now), "a holder re-acquires")
            #expect(try await limiter.release(key: "account:1:upload", holder: "w1"))
            #expect(try await limiter.release(key: "account:1:upload", holder: "w1") == false)
            #expect(try await limiter.acquire(key: "account:1:upload", limit: 2, holder: "w3", lease: .seconds(30), now: now))
            #expect(Set(try await limiter.holders(key: "account:1:upload", now: now)) == ["w2", "w3"])
        }
    }

    @Test func aLapsedHoldersSlotIsReclaimed() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = ConcurrencyLimiter(client: client, prefix: prefix)
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "crashed", lease: .seconds(30), now: instant(0)))
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "next", lease: .seconds(30), now: instant(29_999)) == false)
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "next", lease: .seconds(30), now: instant(30_000)))
            #expect(try await limiter.extend(key: "k", holder: "crashed", lease: .seconds(30), now: instant(30_001)) == false)
            #expect(try await limiter.holders(key: "k", now: instant(30_001)) == ["next"])
        }
    }

    @Test func extendKeepsALiveHolderPastItsFirstDeadline() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = ConcurrencyLimiter(client: client, prefix: prefix)
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "w1", lease: .seconds(10), now: instant(0)))
            #expect(try await limiter.extend(key: "k", holder: "w1", lease: .seconds(10), now: instant(9_000)))
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "w2", lease: .seconds(10), now: instant(15_000)) == false)
            #expect(try await limiter.acquire(key: "k", limit: 1, holder: "w2", lease: .seconds(10), now: instant(19_000)))
        }
    }

    @Test func concurrentAcquiresNeverExceedTheLimit() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = ConcurrencyLimiter(client: client, prefix: prefix)
            let now = instant(0)
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await limiter.acquire(key: "k", limit: 3, holder: "w\(index)", lease: .seconds(30), now: now) ? 1 : 0 }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 3)
            #expect(try await limiter.holders(key: "k", now: now).count == 3)
        }
    }
}
