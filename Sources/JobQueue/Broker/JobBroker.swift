public import Foundation

/// The queue's storage and state machine (Redis in production, see ``RedisJobBroker``). Every state change is atomic;
/// every call that changes a leased job presents the lease token and is refused with `leaseLost` when the lease was
/// taken over.
///
/// Time: every `now` is Redis's time (``now()``), never the caller's local clock; the scripts also check it against
/// Redis's `TIME`, so a caller whose clock runs ahead can neither take a lease early nor promote a job early.
public protocol JobBroker: Sendable {
    /// Redis's time now (the local clock corrected by a measured offset): pass it as `now`.
    func now() async throws -> Date

    // MARK: Producing

    /// Enqueues `requests` on `queue` in one round trip (pipelined); each is idempotent by id, unique keys are honoured.
    /// Nothing is half-written: a request that fails validation fails the whole call before anything is sent.
    func enqueue(_ requests: [JobRequest], queue: String, now: Date) async throws -> [EnqueueOutcome]

    // MARK: Consuming

    /// Takes up to `limit` ready jobs of `queue` and leases them to `worker` until `now + leaseDuration`. When none is
    /// ready, waits up to `wait` (0…2 s; 0 = do not wait) for the next one (`BLMOVE`, no polling) and takes that one.
    /// Returns `[]` on timeout or while the queue is paused (after waiting `wait`, so a loop does not spin).
    func claim(queue: String, worker: String, limit: Int, leaseDuration: Duration, wait: Duration, now: Date) async throws -> [LeasedJob]

    /// Records that the handlers of `jobs` begin: from now on a lease that expires counts a stall. A job leased but
    /// never started (the claim's reply was lost, the worker died holding it prefetched) goes back without an attempt or
    /// a stall. Returns one flag per job, in order: false, and that job must not run, when its lease was lost or Redis
    /// could not be reached. One script call per queue, whatever the number of jobs.
    func start(_ jobs: [LeasedJob]) async -> [Bool]

    /// Extends the leases of `jobs` to `now + duration`; returns the ids whose lease was lost (taken over).
    func extendLeases(_ jobs: [LeasedJob], duration: Duration, now: Date) async throws -> Set<JobID>

    /// Marks `jobs` completed (one round trip) and appends their `completed` events to the results stream (one entry
    /// per call and queue, listing the jobs); returns the ids refused because their lease was lost.
    func complete(_ jobs: [LeasedJob], now: Date) async throws -> Set<JobID>

    /// Records a failed run: with attempts left and `permanent == false`, schedules a retry at `retryAt`; otherwise the
    /// job is dead. Appends a `retrying` or `dead` event. - Throws: `leaseLost`.
    func fail(_ job: LeasedJob, error: String, permanent: Bool, retryAt: Date, now: Date) async throws -> JobState

    /// Puts the job back in the scheduled set until `until` without using an attempt (rate limits, missing tokens).
    /// - Throws: `leaseLost`.
    func snooze(_ job: LeasedJob, until: Date, now: Date) async throws

    /// Shutdown: puts the job back at the head of the ready list without using an attempt. - Throws: `leaseLost`.
    func requeue(_ job: LeasedJob, now: Date) async throws

    /// Saves a progress checkpoint (JSON) in the job's hash and appends a `progress` event. - Throws: `leaseLost`.
    func checkpoint(_ job: LeasedJob, data: String, now: Date) async throws

    // MARK: Maintenance (one small loop each; see the scheduler)

    /// Waits up to `timeout` (1 ms…2 s) for a job of `queue` to be scheduled earlier than every other (`BLPOP` on the
    /// queue's wake list); returns whether that happened. The forwarder sleeps in it instead of polling.
    func waitForEarlierSchedule(queue: String, timeout: Duration) async throws -> Bool

    /// Moves jobs of `queue` whose run-at has come from the scheduled set to the ready list (at most `limit`); returns
    /// how many moved and when the next one is due.
    func promoteDue(queue: String, now: Date, limit: Int) async throws -> (moved: Int, nextDue: Date?)

    /// Requeues jobs whose lease expired (stall count + 1; over `maxStalls` → dead), and puts back in ready the ids left
    /// in `active` without a lease for longer than `orphanGrace` (a worker died between `BLMOVE` and writing its lease).
    /// Returns the ids recovered.
    func recoverExpiredLeases(queue: String, now: Date, maxStalls: Int, orphanGrace: Duration) async throws -> [JobID]

    /// Deletes completed job hashes older than `completedFor` and trims the dead set by age and count.
    func applyRetention(queue: String, completedFor: Duration, deadFor: Duration, deadLimit: Int, now: Date) async throws

    /// Pauses or resumes taking jobs from `queue`; running jobs finish.
    func setPaused(_ paused: Bool, queue: String) async throws

    /// Where a worker's loops and slots should run so that their broker calls cost no thread hop (the Redis client's
    /// event loop), or `nil` for Swift's default executor.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}

extension JobBroker {
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }

    /// ``start(_:)-([LeasedJob])`` for one job.
    public func start(_ job: LeasedJob) async -> Bool {
        await self.start([job]).first ?? false
    }
}
