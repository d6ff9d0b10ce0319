import Foundation
public import Logging

/// What a handler gets besides its payload: the leased job, a logger carrying `job.id`, `job.name` and `queue`, and a
/// way to save progress so that a re-run (after a crash) resumes instead of repeating a side effect.
public struct JobContext: Sendable {
    /// The job as leased (attempt, previous checkpoint…).
    public let job: LeasedJob
    /// Logger with the job's metadata.
    public let logger: Logger
    let broker: any JobBroker

    /// The checkpoint saved by an earlier run of this job, if any (JSON).
    public var previousCheckpoint: String? { self.job.checkpoint }

    /// Saves `data` (JSON) as the job's checkpoint before the handler goes on; the next run sees it in
    /// ``previousCheckpoint``. - Throws: `leaseLost` when another worker took the job over: stop at once.
    public func saveCheckpoint(_ data: String) async throws {
        try await self.broker.checkpoint(self.job, data: data, now: Date())
    }

    /// Saves an `Encodable` value as the checkpoint (JSON, sorted keys).
    public func saveCheckpoint<Value: Encodable>(encoding value: Value) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await self.saveCheckpoint(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
