/// Every Redis key of one queue. `{queue}` is a hash tag, so all of a queue's keys share one cluster slot and one Lua
/// script may touch any of them. Keys are built here and nowhere else.
public struct QueueKeys: Sendable, Hashable {
    /// The queue's name, `[a-z0-9_-]{1,64}`.
    public let queue: String
    /// `prefix:{queue}`.
    public let base: String

    /// The keys of `queue` under `prefix` (default `reelay`).
    /// - Throws: ``JobQueueError`` `invalidQueueName`.
    public init(queue: String, prefix: String = "reelay") throws(JobQueueError) {
        try Self.validate(queue: queue)
        self.queue = queue
        self.base = "\(prefix):{\(queue)}"
    }

    /// Checks a queue name: 1 to 64 of `a-z 0-9 _ -`.
    public static func validate(queue: String) throws(JobQueueError) {
        let allowed = queue.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
        guard (1...64).contains(queue.utf8.count), allowed else {
            throw JobQueueError(.invalidQueueName, detail: "'\(queue.prefix(80))': use 1 to 64 of a-z, 0-9, _ and -")
        }
    }

    /// List of ids waiting, oldest at the right (`LLEN` = backlog).
    public var ready: String { "\(self.base):ready" }
    /// List of ids being run.
    public var active: String { "\(self.base):active" }
    /// Sorted set: id → lease deadline (ms since 1970).
    public var lease: String { "\(self.base):lease" }
    /// Sorted set: id → run-at (ms): delayed jobs and retry back-offs.
    public var scheduled: String { "\(self.base):scheduled" }
    /// Sorted set: id → died-at (ms).
    public var dead: String { "\(self.base):dead" }
    /// Present while the queue is paused.
    public var paused: String { "\(self.base):paused" }
    /// Stream of results and progress events (per queue, so the scripts that append to it stay in the queue's slot).
    public var results: String { "\(self.base):results" }
    /// List of at most one element, pushed when a job is scheduled earlier than every other: wakes the forwarder.
    public var wake: String { "\(self.base):wake" }
    /// Hash of counters: enqueued, completed, failed, retried, dead, recovered.
    public var stats: String { "\(self.base):stats" }
    /// Sorted set: minute (Unix seconds / 60) → `minute:enqueued:completed:failed:retried:dead`, the `stats` counters at
    /// the first snapshot taken in that minute (``QueueHistory``); the last day is kept.
    public var history: String { "\(self.base):history" }
    /// Index into `active` where the recoverer's next orphan scan starts (absent = 0).
    public var recoverCursor: String { "\(self.base):recover-cursor" }
    /// The hash of one job.
    public func job(_ id: JobID) -> String { "\(self.base):job:\(id)" }
    /// The prefix of every job hash key of the queue (`reelay:{q}:job:`), for scripts that pop ids and build keys.
    var jobKeyPrefix: String { "\(self.base):job:" }
    /// The lock of one unique key (its value is the owning job's id).
    public func unique(_ key: String) -> String { "\(self.base):unique:\(key)" }
}
