public import Foundation

/// How one job is enqueued.
public struct EnqueueOptions: Sendable, Hashable {
    /// The job's id; enqueueing an id the queue already holds does nothing (idempotent).
    public var id: JobID
    /// When the job may run; `nil` or a past time means now.
    public var runAt: Date?
    /// Attempts before the job is dead (1…100).
    public var maxAttempts: Int
    /// When set, a second job with the same key in the same queue is refused while the key lives (``uniqueFor``).
    public var uniqueKey: String?
    /// How long ``uniqueKey`` holds after enqueue (released early when the job completes or dies).
    public var uniqueFor: Duration
    /// Longest a single run may take before the worker cancels it and counts a failure; `nil` means the worker's default.
    public var timeout: Duration?

    /// Defaults: a new id, run now, 5 attempts, not unique, the worker's default timeout.
    public init(
        id: JobID = JobID(), runAt: Date? = nil, maxAttempts: Int = 5, uniqueKey: String? = nil,
        uniqueFor: Duration = .seconds(3600), timeout: Duration? = nil
    ) {
        self.id = id
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.uniqueFor = uniqueFor
        self.timeout = timeout
    }
}
