import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

@Suite struct LimitsRateLimiterTests {
    @Test func grantsExactlyTheLimitThenDeniesUntilTheOldestLeaves() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            let key = "account:1:init"
            for second in 0..<6 {
                let decision = try await limiter.reserve(key: key, limit: 6, window: .seconds(60), now: instant(Int64(second) * 1000))
                #expect(decision == .granted)
            }
            let denied = try await limiter.reserve(key: key, limit: 6, window: .seconds(60), now: instant(10_000))
            #expect(denied == .denied(retryAt: instant(60_000)), "the first reservation (t=0) leaves at t=60 s")
            let stillDenied = try await limiter.reserve(key: key, limit: 6, window: .seconds(60), now: instant(59_999))
            #expect(stillDenied == .denied(retryAt: instant(60_000)))
            #expect(try await limiter.reserve(key: key, limit: 6, window: .seconds(60), now: instant(60_000)) == .granted)
            let next = try await limiter.reserve(key: key, limit: 6, window: .seconds(60), now: instant(60_500))
            #expect(next == .denied(retryAt: instant(61_000)), "then the second (t=1 s) is the one to leave")
            #expect(try await limiter.used(key: key, window: .seconds(60), now: instant(60_500)) == 6)
        }
    }

    @Test func aLoweredLimitWaitsForEnoughEntriesToLeave() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            for second in 0..<4 {
                _ = try await limiter.reserve(key: "k", limit: 4, window: .seconds(10), now: instant(Int64(second) * 1000))
            }
            let denied = try await limiter.reserve(key: "k", limit: 2, window: .seconds(10), now: instant(5000))
            #expect(denied == .denied(retryAt: instant(12_000)), "with 4 in the window and a limit of 2, three must leave")
        }
    }

    @Test func releaseGivesBackAReservationAndTheSameIdIsNotCountedTwice() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            #expect(try await limiter.reserve(key: "k", limit: 2, window: .seconds(60), now: instant(0), id: "job-a") == .granted)
            #expect(try await limiter.reserve(key: "k", limit: 2, window: .seconds(60), now: instant(1), id: "job-a") == .granted)
            #expect(try await limiter.reserve(key: "k", limit: 2, window: .seconds(60), now: instant(2), id: "job-b") == .granted)
            #expect(try await limiter.reserve(key: "k", limit: 2, window: .seconds(60), now: instant(3), id: "job-c").isGranted == false)
            #expect(try await limiter.release(key: "k", id: "job-b"))
            #expect(try await limiter.release(key: "k", id: "job-b") == false)
            #expect(try await limiter.reserve(key: "k", limit: 2, window: .seconds(60), now: instant(4), id: "job-c") == .granted)
        }
    }

    @Test func concurrentReservationsNeverExceedTheLimit() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            let now = instant(0)
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        var count = 0
                        for _ in 0..<5 where try await limiter.reserve(key: "hot", limit: 6, window: .seconds(60), now: now).isGranted {
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 6)
            #expect(try await limiter.used(key: "hot", window: .seconds(60), now: now) == 6)
        }
    }

    @Test func theWindowKeyExpiresAndNamesItsKeyInTheHashTag() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            _ = try await limiter.reserve(key: "account:7:status", limit: 30, window: .seconds(60), now: .now)
            let keys = try LimitKeys(key: "account:7:status", prefix: prefix)
            #expect(keys.window == "\(prefix):limit:{account:7:status}:window")
            let ttl = try await client.send(["PTTL", keys.window]).int ?? -1
            #expect(ttl > 0 && ttl <= 60_000)
        }
    }

    @Test(arguments: ["", "has space", "{brace}", String(repeating: "k", count: 201)])
    func rejectsBadKeys(_ key: String) async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            let error = await #expect(throws: JobQueueError.self) {
                try await limiter.reserve(key: key, limit: 1, window: .seconds(1), now: .now)
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func rejectsAZeroLimit() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let limiter = RateLimiter(client: client, prefix: prefix)
            let error = await #expect(throws: JobQueueError.self) {
                try await limiter.reserve(key: "k", limit: 0, window: .seconds(1), now: .now)
            }
            #expect(error?.code == .invalidArgument)
        }
    }
}
