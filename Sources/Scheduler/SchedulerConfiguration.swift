public import JobQueue

/// Settings of `reelay scheduler` (and of the scheduler inside `reelay dev`). Every duration is judged on Redis's
/// clock where it decides when something fires.
public struct SchedulerConfiguration: Sendable {
    /// The queues whose maintenance loops the leader runs (forwarder, lease recovery, janitor), and whose results
    /// streams the outbox reconciler and the recorder-lag figure read.
    public var queues: [String] = ["publish"]
    /// How long a leader's lease lasts unless renewed (renewed every third of it). A standby takes over at most this
    /// long (plus ``standbyPoll``) after the leader dies.
    public var lease: Duration = .seconds(10)
    /// How often a standby tries to take the lease.
    public var standbyPoll: Duration = .milliseconds(250)
    /// Timed posts due within this window are loaded into Redis's scheduled set with their exact run time (the
    /// forwarder then fires them to the millisecond). It must exceed ``loadInterval`` plus the time a load takes.
    public var lookAhead: Duration = .seconds(120)
    /// How often the loader looks for posts coming due.
    public var loadInterval: Duration = .seconds(1)
    /// Posts loaded per transaction.
    public var loadBatch = 1000
    /// A timed post found due longer ago than this (the scheduler was down) is `missed`; within it, it fires late.
    public var misfireWindow: Duration = .seconds(600)
    /// A post `queued` in PostgreSQL this long and unknown to Redis is pushed again (the API died between its commit
    /// and its push, or Redis lost the push).
    public var outboxGrace: Duration = .seconds(60)
    /// How often the outbox reconciler runs.
    public var outboxInterval: Duration = .seconds(10)
    /// Access tokens expiring within this window are refreshed.
    public var refreshAhead: Duration = .seconds(3600)
    /// How often the token refresher looks.
    public var refreshInterval: Duration = .seconds(60)
    /// How often the leader publishes its figures (status hash, gauges).
    public var statusInterval: Duration = .seconds(1)
    /// The result recorder's consumer group (its lag is reported).
    public var recorderGroup = "reelay-recorder"
    /// How long completed job hashes stay in Redis (the workers' setting): the recorder must keep well within it, or
    /// the reconciler could no longer tell a job that ran; `reelay status` warns at a tenth of it.
    public var completedRetention: Duration = .seconds(86_400)
    /// The queue maintenance loops' settings (their `queues` are set from ``queues``).
    public var maintenance = MaintenanceConfiguration()

    /// The defaults: lease 10 s, look-ahead 2 min, misfire window 10 min, outbox grace 1 min, refresh 1 h ahead.
    public init() {}
}
