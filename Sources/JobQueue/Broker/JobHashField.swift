/// The fields of a job's hash (`HGETALL reelay:{queue}:job:<id>`). Times are milliseconds since 1970 as decimal text.
public enum JobHashField {
    /// Wire name of the job.
    public static let name = "name"
    /// JSON payload.
    public static let payload = "payload"
    /// A ``JobState`` raw value.
    public static let state = "state"
    /// Runs started so far (snoozes and shutdown requeues give theirs back).
    public static let attempt = "attempt"
    /// Attempts allowed.
    public static let maxAttempts = "max_attempts"
    /// First enqueue time.
    public static let enqueuedAt = "enqueued_at"
    /// When it is (or was) due.
    public static let runAt = "run_at"
    /// Per-run timeout in ms, when the job set one.
    public static let timeoutMs = "timeout_ms"
    /// The unique key it holds, if any.
    public static let uniqueKey = "unique_key"
    /// Worker id of the current lease.
    public static let owner = "owner"
    /// Token of the current lease.
    public static let token = "token"
    /// When the current lease was taken.
    public static let leasedAt = "leased_at"
    /// When it completed or died.
    public static let finishedAt = "finished_at"
    /// The last failure's message.
    public static let lastError = "last_error"
    /// The last progress checkpoint (JSON).
    public static let checkpoint = "checkpoint"
    /// Times its lease expired while running (a crashed or partitioned worker).
    public static let stalls = "stalls"
    /// "0" from the claim until the worker starts the handler, then "1": only a started run's expired lease counts a
    /// stall and keeps its attempt (a claim whose reply was lost costs the job nothing).
    public static let started = "started"
    /// When the recoverer first saw the id in `active` (in transit, not leased) (ms); cleared when the job is leased.
    public static let orphanSeen = "orphan_seen"
}

/// The fields of one entry of a queue's results stream (`XRANGE reelay:{queue}:results - +`). Most entries describe one
/// job. A worker's batch of completions is one entry: `event completed at <ms>`, then `job`, `name` and `attempt` once per
/// job, in that order; a reader takes the fields before the first `job` as common to all and starts a new job at each
/// `job` field.
public enum ResultEventField {
    /// `completed`, `retrying`, `dead`, `progress`, `recovered`, `snoozed`.
    public static let event = "event"
    /// The job id.
    public static let job = "job"
    /// The job's wire name.
    public static let name = "name"
    /// The run's attempt number.
    public static let attempt = "attempt"
    /// Event time (ms).
    public static let at = "at"
    /// Failure message (`retrying`, `dead`).
    public static let error = "error"
    /// When the retry runs (`retrying`, `snoozed`), ms.
    public static let runAt = "run_at"
    /// Checkpoint JSON: no longer written (a `progress` event is small; the job hash keeps the checkpoint). Kept so
    /// a reader of an older stream still knows the field.
    public static let checkpoint = "checkpoint"
}

extension ResultEventField {
    /// The fields of each job one results entry describes, in order, from the entry's field/value pairs: the fields
    /// before the first `job` are common to every job, and each `job` field starts the next job's own fields. An entry
    /// without a `job` field gives one set, its fields as they are (the reader decides what is missing).
    public static func jobs(in fields: [(name: String, value: String)]) -> [[String: String]] {
        var common: [String: String] = [:]
        var jobs: [[String: String]] = []
        for field in fields {
            if field.name == Self.job { jobs.append(common) }
            if jobs.isEmpty { common[field.name] = field.value } else { jobs[jobs.count - 1][field.name] = field.value }
        }
        return jobs.isEmpty ? [common] : jobs
    }
}
