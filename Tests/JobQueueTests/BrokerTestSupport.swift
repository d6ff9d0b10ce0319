import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import Testing

/// The broker life-cycle suites (one per file, nested here), run one test at a time: the machine has two cores and the
/// rest of the package's tests run beside them, some with tight timing; this keeps their added load to one test.
@Suite(.serialized) struct BrokerLifeCycleTests {}

/// A ``RedisJobBroker`` on a queue of its own in the shared test Redis, with readers for the documented key layout
/// (architecture.md, "Broker"). ``finish()`` deletes every key of the queue and shuts the client down.
struct BrokerFixture {
    let client: RedisClient
    let broker: RedisJobBroker
    let queue: String
    let keys: QueueKeys

    /// A fixture for a new queue named after `prefix`; `maximumPayloadBytes` as the broker's default unless given.
    static func make(_ prefix: String = "b", maximumPayloadBytes: Int = 1 << 20) async throws -> BrokerFixture {
        var configuration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        configuration.poolSize = 2  // each pooled connection has a thread: keep the many parallel tests light
        configuration.blockingPoolSize = 1
        let client = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        let queue = TestEnvironment.uniqueName(prefix).lowercased()
        return BrokerFixture(
            client: client, broker: RedisJobBroker(client: client, maximumPayloadBytes: maximumPayloadBytes), queue: queue,
            keys: try QueueKeys(queue: queue))
    }

    /// Runs `body` with a new fixture and always cleans up after it (keys deleted, client shut down).
    static func with(
        _ prefix: String = "b", maximumPayloadBytes: Int = 1 << 20, _ body: (BrokerFixture) async throws -> Void
    ) async throws {
        let fixture = try await Self.make(prefix, maximumPayloadBytes: maximumPayloadBytes)
        do {
            try await body(fixture)
        } catch {
            await fixture.finish()
            throw error
        }
        await fixture.finish()
    }

    /// Deletes every key of the queue (`SCAN MATCH reelay:{q}:*`, then `UNLINK`) and shuts the client down.
    func finish() async {
        var cursor = "0"
        repeat {
            guard let reply = try? await self.client.send(["SCAN", cursor, "MATCH", "\(self.keys.base):*", "COUNT", "1000"]).array,
                reply.count == 2, let next = reply[0].string
            else { break }
            let found = reply[1].array?.compactMap(\.string) ?? []
            if !found.isEmpty { _ = try? await self.client.send(["UNLINK"] + found) }
            cursor = next
        } while cursor != "0"
        await self.client.shutdown()
    }

    // MARK: Requests

    /// A small valid request (the benchmark's counter job, on a key nothing reads).
    func request(_ options: EnqueueOptions = EnqueueOptions()) throws -> JobRequest {
        try JobRequest(IncrementCounter(key: "\(self.keys.base):unused"), options: options)
    }

    /// Enqueues one request and returns its outcome.
    func enqueue(_ request: JobRequest, now: Date = Date()) async throws -> EnqueueOutcome {
        let outcomes = try await self.broker.enqueue([request], queue: self.queue, now: now)
        try #require(outcomes.count == 1)
        return outcomes[0]
    }

    /// Claims up to `limit` ready jobs at once (no wait) for `worker`.
    func claim(
        _ limit: Int = 1, worker: String = "w", lease: Duration = .seconds(30), wait: Duration = .zero, now: Date = Date()
    ) async throws -> [LeasedJob] {
        try await self.broker.claim(queue: self.queue, worker: worker, limit: limit, leaseDuration: lease, wait: wait, now: now)
    }

    // MARK: Reading Redis

    func send(_ arguments: [String]) async throws -> RedisValue { try await self.client.send(arguments) }

    /// The ids of a list, left to right (ready: newest first).
    func list(_ key: String) async throws -> [String] { try await self.send(["LRANGE", key, "0", "-1"]).array?.compactMap(\.string) ?? [] }

    func length(_ list: String) async throws -> Int { try await self.send(["LLEN", list]).int ?? -1 }

    func cardinality(_ set: String) async throws -> Int { try await self.send(["ZCARD", set]).int ?? -1 }

    /// The score of `id` in a sorted set, as integer milliseconds; `nil` when absent.
    func score(_ set: String, _ id: JobID) async throws -> Int64? {
        try await self.send(["ZSCORE", set, id.description]).string.flatMap(Double.init).map { Int64($0) }
    }

    func field(_ id: JobID, _ field: String) async throws -> String? { try await self.send(["HGET", self.keys.job(id), field]).string }

    func hash(_ id: JobID) async throws -> [String: String] {
        let flat = try await self.send(["HGETALL", self.keys.job(id)]).array?.compactMap(\.string) ?? []
        return Dictionary(uniqueKeysWithValues: stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) })
    }

    func exists(_ key: String) async throws -> Bool { try await self.send(["EXISTS", key]).int == 1 }

    /// One counter of the queue's stats hash (0 when absent).
    func stat(_ name: String) async throws -> Int { try await self.send(["HGET", self.keys.stats, name]).int ?? 0 }

    /// The events of the queue's results stream, oldest first, as field dictionaries: one per job, so an entry for a
    /// batch of completions gives one dictionary per job (its common fields, then that job's own).
    func events() async throws -> [[String: String]] {
        let entries = try await self.send(["XRANGE", self.keys.results, "-", "+"]).array ?? []
        return entries.flatMap { entry in
            let flat = entry.array?.last?.array?.compactMap(\.string) ?? []
            return ResultEventField.jobs(in: stride(from: 0, to: flat.count - 1, by: 2).map { (name: flat[$0], value: flat[$0 + 1]) })
        }
    }

    /// Pushes the ids of held jobs onto `active` too (at its left end), as copies an older release or blocking pickups
    /// leave there: the orphan scan must walk past them.
    func listInActive(_ jobs: [LeasedJob]) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await self.send(["LPUSH", self.keys.active] + jobs.map(\.id.description))
    }

    /// The number of entries in the queue's results stream.
    func entryCount() async throws -> Int { try await self.send(["XLEN", self.keys.results]).int ?? 0 }

    /// The events of `kind` about `id`.
    func events(_ kind: String, of id: JobID) async throws -> [[String: String]] {
        try await self.events().filter { $0[ResultEventField.event] == kind && $0[ResultEventField.job] == id.description }
    }
}

/// Milliseconds since 1970, rounded down: the broker's own conversion, so scores written from a `Date` compare exactly.
func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
