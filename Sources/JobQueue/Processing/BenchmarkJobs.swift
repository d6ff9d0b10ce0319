public import Redis

/// The benchmark's job: one `INCR` of a counter key, the same work as the peers' benchmark jobs, so throughput
/// figures compare the queues and not the job bodies. Crash tests give it a duration (`sleepMilliseconds`, before the
/// increment) so that workers hold jobs when they are killed.
public struct IncrementCounter: JobPayload, Hashable {
    public static let jobName = "reelay.bench.increment"
    /// The counter to increment.
    public var key: String
    /// How long the job works before it increments (0 for the benchmark).
    public var sleepMilliseconds: Int
    /// Filler that gives the payload a chosen size (`reelay bench queue --payload-bytes`).
    public var padding: String?

    /// A job that increments `key`, after `sleepMilliseconds`.
    public init(key: String, sleepMilliseconds: Int = 0, padding: String? = nil) {
        self.key = key
        self.sleepMilliseconds = sleepMilliseconds
        self.padding = padding
    }

    enum CodingKeys: String, CodingKey {
        case key
        case sleepMilliseconds = "sleep_ms"
        case padding = "pad"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try container.decode(String.self, forKey: .key)
        self.sleepMilliseconds = try container.decodeIfPresent(Int.self, forKey: .sleepMilliseconds) ?? 0
        self.padding = try container.decodeIfPresent(String.self, forKey: .padding)
    }
}

/// A test job that fails at random: each run throws with probability `failureRate` (0…1), otherwise increments `key`.
/// Its retries wait 10–100 ms, so a run of many such jobs exercises retries and dead letters quickly.
public struct FlakyIncrement: JobPayload, Hashable {
    public static let jobName = "reelay.bench.flaky"
    /// The counter to increment on success.
    public var key: String
    /// Probability that a run fails.
    public var failureRate: Double

    /// A job that fails with probability `failureRate`.
    public init(key: String, failureRate: Double) {
        self.key = key
        self.failureRate = failureRate
    }
}

/// The failure a ``FlakyIncrement`` run throws.
struct InjectedFailure: Error, CustomStringConvertible {
    var description: String { "injected failure" }
}

extension JobRegistry {
    /// Registers the built-in benchmark and test jobs (names under `reelay.bench.`), which touch only their own keys.
    public mutating func registerBenchmarkJobs(client: RedisClient) {
        self.register(IncrementCounter.self) { job, _ in
            if job.sleepMilliseconds > 0 { try await Task.sleep(for: .milliseconds(job.sleepMilliseconds)) }
            _ = try await client.send(["INCR", job.key])
        }
        self.register(FlakyIncrement.self, retry: RetryPolicy(base: .milliseconds(10), cap: .milliseconds(100))) { job, _ in
            if Double.random(in: 0..<1) < job.failureRate { throw InjectedFailure() }
            _ = try await client.send(["INCR", job.key])
        }
    }
}
