import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

/// Writes a queue's keys directly in the documented layout (architecture.md, Broker table), as the broker would.
struct QueueFixture {
    let client: RedisClient
    let keys: QueueKeys

    init(client: RedisClient) throws {
        self.client = client
        self.keys = try QueueKeys(queue: TestEnvironment.uniqueName("q"))
    }

    var queue: String { self.keys.queue }

    /// A job hash with the usual fields, `enqueued_at` at `enqueuedAt` (ms).
    @discardableResult
    func job(_ state: JobState, enqueuedAt: Int64, extra: [String: String] = [:]) async throws -> JobID {
        let id = JobID()
        var fields: [String: String] = [
            JobHashField.name: "tiktok.publish_video", JobHashField.payload: #"{"postID":"\#(id)"}"#, JobHashField.state: state.rawValue,
            JobHashField.attempt: "2", JobHashField.maxAttempts: "5", JobHashField.enqueuedAt: String(enqueuedAt),
        ]
        fields.merge(extra) { $1 }
        _ = try await self.client.send(["HSET", self.keys.job(id)] + fields.flatMap { [$0.key, $0.value] })
        return id
    }

    /// New ids go in at the left: the right end is the oldest.
    func push(_ id: JobID, to list: String) async throws { _ = try await self.client.send(["LPUSH", list, id.description]) }

    func add(_ id: JobID, to set: String, score: Int64) async throws { _ = try await self.client.send(["ZADD", set, String(score), id.description]) }
}

@Suite struct QueueInspectorTests {
    @Test func statsCountEveryStateAndTheOldestReadyAge() async throws {
        try await withLimitsClient { (client, _) async throws in
            let fixture = try QueueFixture(client: client)
            let keys = fixture.keys
            let oldest = try await fixture.job(.ready, enqueuedAt: 1_000_000)
            try await fixture.push(oldest, to: keys.ready)
            for _ in 0..<2 { try await fixture.push(try await fixture.job(.ready, enqueuedAt: 1_060_000), to: keys.ready) }
            try await fixture.add(try await fixture.job(.active, enqueuedAt: 900_000), to: keys.lease, score: 1_100_000)
            for score in [2_000_000, 3_000_000] as [Int64] { try await fixture.add(try await fixture.job(.scheduled, enqueuedAt: 0), to: keys.scheduled, score: score) }
            try await fixture.add(try await fixture.job(.dead, enqueuedAt: 0), to: keys.dead, score: 500)
            _ = try await client.send(["HSET", keys.stats, "enqueued", "7", "completed", "3", "dead", "1", "recovered", "2", "other", "9"])
            let inspector = QueueInspector(client: client)
            let stats = try await inspector.stats(queue: fixture.queue, now: Date(timeIntervalSince1970: 1_090))
            #expect(stats.ready == 3 && stats.active == 1 && stats.scheduled == 2 && stats.dead == 1)
            #expect(stats.paused == false)
            #expect(stats.counters.enqueued == 7 && stats.counters.completed == 3 && stats.counters.retried == 0 && stats.counters.recovered == 2)
            #expect(stats.oldestReadyID == oldest)
            #expect(stats.oldestReadyAgeSeconds == 90)
            try await inspector.setPaused(queue: fixture.queue, paused: true)
            #expect(try await client.send(["EXISTS", keys.paused]).int == 1)
            #expect(try await inspector.stats(queue: fixture.queue, now: .now).paused)
            try await inspector.setPaused(queue: fixture.queue, paused: false)
            #expect(try await inspector.stats(queue: fixture.queue, now: .now).paused == false)
        }
    }

    @Test func statsOfAnEmptyQueueAreZero() async throws {
        try await withLimitsClient { (client, _) async throws in
            let stats = try await QueueInspector(client: client).stats(queue: TestEnvironment.uniqueName("q"), now: .now)
            #expect(stats.ready == 0 && stats.dead == 0 && stats.oldestReadyID == nil && stats.oldestReadyAgeSeconds == nil)
            #expect(stats.counters == QueueStats.Counters())
        }
    }

    @Test func listsEachStateInItsOrderWithScores() async throws {
        try await withLimitsClient { (client, _) async throws in
            let fixture = try QueueFixture(client: client)
            let keys = fixture.keys
            var ready: [JobID] = []
            for index in 0..<5 {
                let id = try await fixture.job(.ready, enqueuedAt: Int64(index) * 1000)
                try await fixture.push(id, to: keys.ready)
                ready.append(id)
            }
            let inspector = QueueInspector(client: client)
            #expect(try await inspector.list(queue: fixture.queue, state: .ready).map(\.id) == ready)
            #expect(try await inspector.list(queue: fixture.queue, state: .ready, offset: 1, limit: 2).map(\.id) == Array(ready[1...2]))
            #expect(try await inspector.list(queue: fixture.queue, state: .ready, offset: 5, limit: 2).isEmpty)

            let later = try await fixture.job(.scheduled, enqueuedAt: 0)
            let sooner = try await fixture.job(.scheduled, enqueuedAt: 0)
            try await fixture.add(later, to: keys.scheduled, score: 9_000)
            try await fixture.add(sooner, to: keys.scheduled, score: 8_000)
            let scheduled = try await inspector.list(queue: fixture.queue, state: .scheduled)
            #expect(scheduled.map(\.id) == [sooner, later])
            #expect(scheduled.first?.scoredAt == Date(timeIntervalSince1970: 8))
            #expect(scheduled.first?.name == "tiktok.publish_video" && scheduled.first?.attempt == 2 && scheduled.first?.maxAttempts == 5)

            let running = try await fixture.job(.active, enqueuedAt: 0)
            let runningLonger = try await fixture.job(.active, enqueuedAt: 0)
            try await fixture.add(runningLonger, to: keys.lease, score: 50_000)
            try await fixture.add(running, to: keys.lease, score: 42_000)
            let active = try await inspector.list(queue: fixture.queue, state: .active)
            #expect(active.map(\.id) == [running, runningLonger], "the lease set, earliest deadline first")
            #expect(active.first?.scoredAt == Date(timeIntervalSince1970: 42))

            let dead = try await fixture.job(.dead, enqueuedAt: 0, extra: [JobHashField.lastError: "privacy_level_option_mismatch"])
            try await fixture.add(dead, to: keys.dead, score: 7_000)
            let deadList = try await inspector.list(queue: fixture.queue, state: .dead)
            #expect(deadList.first?.lastError == "privacy_level_option_mismatch" && deadList.first?.state == "dead")

            let error = await #expect(throws: JobQueueError.self) { try await inspector.list(queue: fixture.queue, state: .completed) }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func showsOneJobWithWhereItIsAndWithoutItsLeaseToken() async throws {
        try await withLimitsClient { (client, _) async throws in
            let fixture = try QueueFixture(client: client)
            let id = try await fixture.job(
                .active, enqueuedAt: 5_000,
                extra: [JobHashField.owner: "worker-1", JobHashField.token: "secret-token", JobHashField.checkpoint: #"{"publish_id":"p1"}"#])
            try await fixture.add(id, to: fixture.keys.lease, score: 65_000)
            let inspector = QueueInspector(client: client)
            let detail = try #require(try await inspector.job(queue: fixture.queue, id: id))
            #expect(detail.state == "active" && detail.owner == "worker-1" && detail.checkpoint == #"{"publish_id":"p1"}"#)
            #expect(detail.foundIn == ["lease"])
            #expect(detail.leaseUntil == Date(timeIntervalSince1970: 65) && detail.enqueuedAt == Date(timeIntervalSince1970: 5))
            #expect(detail.fields[JobHashField.token] == nil)
            #expect(try await inspector.job(queue: fixture.queue, id: JobID()) == nil)
        }
    }

    @Test func retriesChosenDeadJobsBackToReady() async throws {
        try await withLimitsClient { (client, _) async throws in
            let fixture = try QueueFixture(client: client)
            let keys = fixture.keys
            let dead = try await fixture.job(.dead, enqueuedAt: 0, extra: [JobHashField.finishedAt: "100", JobHashField.lastError: "boom"])
            try await fixture.add(dead, to: keys.dead, score: 100)
            let hashless = JobID()
            try await fixture.add(hashless, to: keys.dead, score: 200)
            let waiting = try await fixture.job(.ready, enqueuedAt: 0)
            try await fixture.push(waiting, to: keys.ready)
            let inspector = QueueInspector(client: client)
            let retried = try await inspector.retryDead(queue: fixture.queue, ids: [dead, hashless, waiting, JobID()], now: Date(timeIntervalSince1970: 50))
            #expect(retried == 1)
            let detail = try #require(try await inspector.job(queue: fixture.queue, id: dead))
            #expect(detail.state == "ready" && detail.attempt == 0 && detail.runAt == Date(timeIntervalSince1970: 50) && detail.finishedAt == nil)
            #expect(detail.lastError == "boom" && detail.foundIn == ["ready"])
            #expect(try await inspector.list(queue: fixture.queue, state: .ready).map(\.id) == [waiting, dead], "behind the jobs already waiting")
            #expect(try await inspector.list(queue: fixture.queue, state: .dead).map(\.id) == [hashless])
            #expect(try await inspector.stats(queue: fixture.queue, now: .now).counters.retried == 1)
            #expect(try await inspector.retryDead(queue: fixture.queue, ids: [dead], now: .now) == 0, "twice is harmless")
        }
    }

    @Test func retriesAndPurgesAllDeadJobsInBatches() async throws {
        try await withLimitsClient { (client, _) async throws in
            let fixture = try QueueFixture(client: client)
            let keys = fixture.keys
            var inspector = QueueInspector(client: client)
            inspector.batchSize = 2
            var ids: [JobID] = []
            for index in 0..<5 {
                let id = try await fixture.job(.dead, enqueuedAt: 0)
                try await fixture.add(id, to: keys.dead, score: Int64(index))
                ids.append(id)
            }
            let hashless = JobID()
            try await fixture.add(hashless, to: keys.dead, score: 1)
            _ = try await client.send(["ZADD", keys.dead, "3", "not-a-job-id"])
            #expect(try await inspector.retryDead(queue: fixture.queue, ids: nil, now: .now) == 5)
            #expect(try await client.send(["LLEN", keys.ready]).int == 5)
            #expect(try await client.send(["ZRANGE", keys.dead, "0", "-1"]).array?.compactMap(\.string) == [hashless.description])

            for (index, id) in ids.enumerated() {
                _ = try await client.send(["LREM", keys.ready, "0", id.description])
                try await fixture.add(id, to: keys.dead, score: Int64(index))
            }
            #expect(try await inspector.purgeDead(queue: fixture.queue) == 6)
            #expect(try await client.send(["EXISTS", keys.dead]).int == 0)
            for id in ids { #expect(try await client.send(["EXISTS", keys.job(id)]).int == 0) }
        }
    }

    @Test func rejectsABadQueueName() async throws {
        try await withLimitsClient { (client, _) async throws in
            let error = await #expect(throws: JobQueueError.self) { try await QueueInspector(client: client).stats(queue: "Bad Name", now: .now) }
            #expect(error?.code == .invalidQueueName)
        }
    }
}
