import Foundation

/// One queue at a glance: what `reelay queue stats` prints. Counts are read in one round trip, so they are a near
/// snapshot, not a transaction.
public struct QueueStats: Sendable, Hashable, Codable {
    /// The counters of a queue's stats hash (`HGETALL reelay:{queue}:stats`), by field name.
    public enum Counter: String, Sendable, CaseIterable, Codable {
        /// Jobs enqueued (new ids only).
        case enqueued
        /// Runs that completed.
        case completed
        /// Runs that failed.
        case failed
        /// Retries: automatic (a failed run scheduled again) and manual (a dead job put back by an operator).
        case retried
        /// Jobs that died.
        case dead
        /// Jobs whose lease expired and that were put back by the recoverer.
        case recovered
    }

    /// The counters since the queue was created; a field the broker never wrote counts 0.
    public struct Counters: Sendable, Hashable, Codable {
        /// See ``Counter/enqueued``.
        public var enqueued = 0
        /// See ``Counter/completed``.
        public var completed = 0
        /// See ``Counter/failed``.
        public var failed = 0
        /// See ``Counter/retried``.
        public var retried = 0
        /// See ``Counter/dead``.
        public var dead = 0
        /// See ``Counter/recovered``.
        public var recovered = 0

        /// Counters read from a stats hash's fields; unknown fields are ignored.
        public init(fields: [String: Int] = [:]) {
            self.enqueued = fields[Counter.enqueued.rawValue] ?? 0
            self.completed = fields[Counter.completed.rawValue] ?? 0
            self.failed = fields[Counter.failed.rawValue] ?? 0
            self.retried = fields[Counter.retried.rawValue] ?? 0
            self.dead = fields[Counter.dead.rawValue] ?? 0
            self.recovered = fields[Counter.recovered.rawValue] ?? 0
        }
    }

    /// The queue's name.
    public var queue: String
    /// Ids waiting (`LLEN` of the ready list).
    public var ready: Int
    /// Jobs held by workers (`ZCARD` of the lease set).
    public var active: Int
    /// Delayed jobs and retry back-offs (`ZCARD` of the scheduled set).
    public var scheduled: Int
    /// Dead jobs (`ZCARD` of the dead set).
    public var dead: Int
    /// Whether workers are told not to take jobs.
    public var paused: Bool
    /// The processed counts.
    public var counters: Counters
    /// The job at the head of the ready list (the next to run), if any.
    public var oldestReadyID: JobID?
    /// How long the next job to run has been waiting: since its `run_at`, or its `enqueued_at` when it has none.
    public var oldestReadyAgeSeconds: Double?

    /// Stats as read.
    public init(
        queue: String, ready: Int, active: Int, scheduled: Int, dead: Int, paused: Bool, counters: Counters, oldestReadyID: JobID?,
        oldestReadyAgeSeconds: Double?
    ) {
        self.queue = queue
        self.ready = ready
        self.active = active
        self.scheduled = scheduled
        self.dead = dead
        self.paused = paused
        self.counters = counters
        self.oldestReadyID = oldestReadyID
        self.oldestReadyAgeSeconds = oldestReadyAgeSeconds
    }
}
