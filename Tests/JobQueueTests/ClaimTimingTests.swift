import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

@Suite struct ClaimTimingTests {
    /// A job that arrives while a worker waits in BLMOVE is leased from its arrival: leased_at is not before
    /// enqueued_at, and the lease lasts its full duration from then.
    @Test func aLeaseStartsWhenTheJobIsTakenNotWhenTheWaitBegan() async throws {
        var configuration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        configuration.blockingPoolSize = 2
        let client = RedisClient(configuration: configuration)
        let broker = RedisJobBroker(client: client)
        let queue = TestEnvironment.uniqueName("timing").lowercased()
        let keys = try QueueKeys(queue: queue)
        let waiting = Task {
            try await broker.claim(queue: queue, worker: "w", limit: 1, leaseDuration: .seconds(30), wait: .seconds(2), now: Date())
        }
        // Wait until the claim is blocked in BLMOVE, then enqueue.
        try await eventually("the claim to block", poll: .milliseconds(10)) {
            try await client.send(["CLIENT", "LIST"]).string?.contains("cmd=blmove") == true
        }
        try await Task.sleep(for: .milliseconds(300))  // the job arrives well after the wait began
        let request = try JobRequest(IncrementCounter(key: "unused"))
        let enqueuedAt = Date()
        _ = try await broker.enqueue([request], queue: queue, now: enqueuedAt)
        let jobs = try await waiting.value
        #expect(jobs.map(\.id) == [request.options.id])
        let fields = try await client.send(["HMGET", keys.job(request.options.id), JobHashField.enqueuedAt, JobHashField.leasedAt])
            .array?.compactMap { $0.string.flatMap(Int64.init) } ?? []
        #expect(fields.count == 2 && fields[1] >= fields[0], "leased_at \(fields) is not before enqueued_at")
        let leaseDeadline = try await client.send(["ZSCORE", keys.lease, request.options.id.description]).string.flatMap(Double.init) ?? 0
        #expect(leaseDeadline >= enqueuedAt.timeIntervalSince1970 * 1000 + 29_900, "a full 30 s lease from the take")
        #expect(try await client.send(["LLEN", keys.active]).int == 0, "the leased id left active: the lease set alone holds it")
        _ = try await client.send(["DEL", keys.job(request.options.id), keys.active, keys.lease, keys.stats])
        await client.shutdown()
    }
}
