import Foundation
import Redis
@testable import Scheduler
import TestSupport
import Testing

/// The lease and its fencing token, against the test Redis.
@Suite struct LeaderLeaseTests {
    @Test func oneCandidateLeadsAndEachNewTermHasAHigherToken() async throws {
        try await SchedulerFixture.with { fixture in
            let first = LeaderLease(redis: fixture.redis, id: "a", duration: .milliseconds(300), keys: fixture.schedulerKeys)
            let second = LeaderLease(redis: fixture.redis, id: "b", duration: .milliseconds(300), keys: fixture.schedulerKeys)
            let token = try #require(try await first.tryAcquire())
            #expect(try await second.tryAcquire() == nil)
            // The holder asking again (its reply was lost) gets its own term back, not a new one.
            #expect(try await first.tryAcquire() == token)
            #expect(try await first.renew(token: token))
            #expect(try await LeaderLease.current(redis: fixture.redis, keys: fixture.schedulerKeys).leader == "a")
            // The first stops renewing: the lease runs out on Redis's clock and the second takes the next term.
            try await Task.sleep(for: .milliseconds(450))
            let next = try #require(try await second.tryAcquire())
            #expect(next == token + 1)
            // The old holder can neither renew nor release the new term.
            #expect(try await first.renew(token: token) == false)
            await first.release(token: token)
            #expect(try await LeaderLease.current(redis: fixture.redis, keys: fixture.schedulerKeys).leader == "b")
            // Release frees it at once.
            await second.release(token: next)
            #expect(try await first.tryAcquire() == next + 1)
        }
    }

    @Test func advanceRaisesTheTermOnlyForTheHolder() async throws {
        try await SchedulerFixture.with { fixture in
            let holder = LeaderLease(redis: fixture.redis, id: "a", duration: .seconds(5), keys: fixture.schedulerKeys)
            let other = LeaderLease(redis: fixture.redis, id: "b", duration: .seconds(5), keys: fixture.schedulerKeys)
            let token = try #require(try await holder.tryAcquire())
            #expect(try await other.advance(to: 100) == nil)
            #expect(try await holder.advance(to: 100) == 100)
            #expect(try await holder.advance(to: 50) == 100)
            #expect(try await holder.renew(token: token) == false)
            #expect(try await holder.renew(token: 100))
        }
    }
}
