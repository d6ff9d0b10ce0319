/// Where a job is in its life cycle, as stored in its hash's `state` field.
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable {
    /// In the ready list, waiting for a worker.
    case ready
    /// In the scheduled set: delayed, or waiting for its retry back-off.
    case scheduled
    /// Leased by a worker.
    case active
    /// Finished successfully; the hash is kept for the retention period.
    case completed
    /// Out of attempts or failed permanently; kept in the dead set until retried or purged.
    case dead
}
