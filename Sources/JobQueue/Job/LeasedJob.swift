public import Foundation

/// A job a worker holds under a lease. Ack, fail, snooze, extend and checkpoint all present ``leaseToken``: once the
/// lease expired and the job was taken over, those calls are refused with `leaseLost`.
public struct LeasedJob: Sendable, Hashable {
    /// The job's id.
    public var id: JobID
    /// The queue it came from.
    public var queue: String
    /// Its wire name.
    public var name: String
    /// Its JSON payload.
    public var payload: String
    /// This run's number, from 1; snoozes and shutdown requeues do not count.
    public var attempt: Int
    /// Attempts allowed in all.
    public var maxAttempts: Int
    /// The token of this lease (random per claim).
    public var leaseToken: String
    /// The last checkpoint the job saved (JSON), so a re-run can resume instead of repeating side effects.
    public var checkpoint: String?
    /// When it was first enqueued.
    public var enqueuedAt: Date
    /// The job's own run timeout, if it set one.
    public var timeout: Duration?
    /// The unique key the job holds, as the broker read it at claim time, so completing or killing the job can
    /// release the lock in the same script. `nil` for a job without one (or a `LeasedJob` built by hand: its lock
    /// then lapses with its TTL).
    public internal(set) var uniqueKey: String?

    /// A leased job as the broker read it.
    public init(
        id: JobID, queue: String, name: String, payload: String, attempt: Int, maxAttempts: Int, leaseToken: String,
        checkpoint: String?, enqueuedAt: Date, timeout: Duration?
    ) {
        self.id = id
        self.queue = queue
        self.name = name
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.leaseToken = leaseToken
        self.checkpoint = checkpoint
        self.enqueuedAt = enqueuedAt
        self.timeout = timeout
    }
}
