public import Foundation
public import Logging

/// What a handler gets besides its payload: the leased job, a logger carrying `job.id`, `job.name` and `queue`, and a
/// way to save progress so that a re-run (after a crash) resumes instead of repeating a side effect.
public struct JobContext: Sendable {
    /// The job as leased (attempt, previous checkpoint…).
    public let job: LeasedJob
    /// Logger with the job's metadata.
    public let logger: Logger
    let broker: any JobBroker
    /// Tells the worker the lease was taken over, so it cancels the handler (even one that swallowed the error).
    let leaseLost: @Sendable () -> Void

    init(job: LeasedJob, logger: Logger, broker: any JobBroker, leaseLost: @escaping @Sendable () -> Void = {}) {
        self.job = job
        self.logger = logger
        self.broker = broker
        self.leaseLost = leaseLost
    }

    /// Redis's time now (this host's clock corrected against Redis `TIME`, see ``RedisClock``): the clock for every time
    /// a handler hands back to the queue (``SnoozeJob/until``) or saves for a later run, maybe on another host, to judge.
    public func now() async throws -> Date {
        try await self.broker.now()
    }

    /// The checkpoint saved by an earlier run of this job, if any (JSON).
    public var previousCheckpoint: String? { self.job.checkpoint }

    /// Saves `data` (JSON) as the job's checkpoint before the handler goes on; the next run sees it in
    /// ``previousCheckpoint``.
    /// - Throws: a ``JobQueueError`` with code ``JobQueueError/Code/leaseLost`` when another worker took the job over:
    ///   stop at once (the worker also cancels the handler right away, so a swallowed error still stops it); any other
    ///   error (Redis unreachable: `broker`; cancellation) means the checkpoint may not have been saved.
    public func saveCheckpoint(_ data: String) async throws {
        do {
            try await self.broker.checkpoint(self.job, data: data, now: try await self.broker.now())
        } catch let error as JobQueueError where error.code == .leaseLost {
            self.leaseLost()
            throw error
        }
    }

    /// Saves an `Encodable` value as the checkpoint (JSON, sorted keys).
    public func saveCheckpoint<Value: Encodable>(encoding value: Value) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await self.saveCheckpoint(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
