/// Timings of the queue's background chores (run by the scheduler process, or in-process by `reelay dev`).
public struct MaintenanceConfiguration: Sendable {
    /// Queues to look after.
    public var queues: [String] = ["publish"]
    /// Longest sleep of the forwarder when nothing is due (it sleeps exactly until the next due job when sooner).
    public var forwarderMaximumSleep: Duration = .milliseconds(250)
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

    /// Defaults: queue `publish`; forwarder sleeps ≤ 250 ms; recovery every 5 s with 3 stalls allowed and 30 s orphan
    /// grace; retention every minute keeping dead jobs 90 days, at most 100,000.
    public init() {}
}
