/// Timings of the queue's background chores (run by the scheduler process, or in-process by `reelay dev`).
public struct MaintenanceConfiguration: Sendable {
    /// Queues to look after.
    public var queues: [String] = ["publish"]
    /// Longest sleep of the forwarder when nothing is due (it sleeps exactly until the next due job when sooner, and
    /// wakes at once when a job is scheduled earlier than every other). At most 2 s (the longest blocking wait), which
    /// is also how long a graceful shutdown may wait for the forwarder.
    public var forwarderMaximumSleep: Duration = .seconds(1)
    /// Due jobs moved per forwarder step.
    public var forwarderBatch = 1000
    /// How often expired leases are looked for.
    public var recoveryInterval: Duration = .seconds(5)
    /// Expired leases a job may have before it is dead (a poison job that kills its workers).
    public var maximumStalls = 3
    /// How long an id may sit in `active` without a lease before it is put back (a worker died between pickup and lease).
    public var orphanGrace: Duration = .seconds(30)
    /// How often retention runs.
    public var retentionInterval: Duration = .seconds(60)
    /// How long dead jobs are kept.
    public var deadRetention: Duration = .seconds(90 * 86400)
    /// How many dead jobs are kept per queue.
    public var deadLimit = 100_000

    /// Defaults: queue `publish`; forwarder sleeps ≤ 1 s (woken early by earlier jobs); recovery every 5 s with 3 stalls allowed and 30 s orphan
    /// grace; retention every minute keeping dead jobs 90 days, at most 100,000.
    public init() {}
}
