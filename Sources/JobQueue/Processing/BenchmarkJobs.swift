public import Redis

/// The benchmark's job: one `INCR` of a counter key, the same work as the peers' benchmark jobs, so throughput
/// figures compare the queues and not the job bodies.
public struct IncrementCounter: JobPayload, Hashable {
    public static let jobName = "reelay.bench.increment"
    /// The counter to increment.
    public var key: String

    /// A job that increments `key`.
    public init(key: String) { self.key = key }
}

extension JobRegistry {
    /// Registers the built-in benchmark and test jobs (names under `reelay.bench.`), which touch only their own keys.
    public mutating func registerBenchmarkJobs(client: RedisClient) {
        self.register(IncrementCounter.self) { job, _ in
            _ = try await client.send(["INCR", job.key])
        }
    }
}
