import Synchronization

/// Why a running job has to stop before its handler returns.
enum StopReason: Sendable, Equatable {
    /// Another worker took the lease over.
    case leaseLost
    /// The lease ran out here: no renewal got through before its deadline, so another worker may hold the job now.
    case leaseExpired
    /// The job ran past its timeout.
    case timedOut
    /// The shutdown grace period ended.
    case shutdownDeadline
}

/// The jobs this worker is running: the heartbeat renews their leases from here, and one watchdog tells a handler to
/// stop when its lease was lost, its lease ran out without a renewal getting through (the worker is fenced off: it
/// cannot know whether another worker took the job), its timeout passed or the shutdown grace ended. Each job waits on a continuation, so a
/// running job costs no timer of its own (a per-job `Task.sleep` leaves a timer behind for its whole timeout).
///
/// Entries are keyed by lease token, not job id: a job whose lease expired here and that this same worker took again
/// is two runs, and the newer one must not replace the older one's entry (its watcher would never be woken).
final class InFlightJobs: Sendable {
    private struct Entry {
        var job: LeasedJob
        var deadline: ContinuousClock.Instant
        /// When the lease runs out as far as this worker knows: the claim's or the last successful renewal's send
        /// time plus the lease duration (Redis set the expiry on receiving it, so never earlier than this).
        var leaseDeadline: ContinuousClock.Instant
        /// False while the job waits in the worker's prefetch buffer (leased, renewed, not started).
        var isStarted: Bool
        var stop: StopReason?
        var waiter: CheckedContinuation<StopReason?, Never>?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var busyWaiter: CheckedContinuation<Void, Never>?
        /// Set once the shutdown grace is over: a job that starts after it is told to stop at once.
        var graceOver = false
    }

    private let state = Mutex(State())

    /// Every job held now, running or prefetched: the leases the heartbeat renews.
    var jobs: [LeasedJob] { self.state.withLock { $0.entries.values.map(\.job) } }

    /// How many have started and not finished.
    var count: Int { self.state.withLock { $0.entries.values.count(where: \.isStarted) } }

    /// Adds a job that waits in the prefetch buffer, leased until `leaseDeadline`: its lease is renewed, it has no
    /// timeout yet.
    func hold(_ job: LeasedJob, leaseDeadline: ContinuousClock.Instant) {
        self.state.withLock { state in
            state.entries[job.leaseToken] = Entry(
                job: job, deadline: .now + .seconds(86_400 * 365), leaseDeadline: leaseDeadline, isStarted: false)
        }
    }

    /// Adds a job that starts now and must stop by `deadline` (its timeout), waking a watchdog that waits for work. A
    /// held job keeps its lease deadline and what it was told meanwhile (a lost lease), so it stops at once; one that
    /// was not held is leased until `leaseDeadline`.
    func insert(_ job: LeasedJob, deadline: ContinuousClock.Instant, leaseDeadline: ContinuousClock.Instant) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            let held = state.entries[job.leaseToken]
            let stop = held?.stop ?? (state.graceOver ? .shutdownDeadline : nil)
            state.entries[job.leaseToken] = Entry(
                job: job, deadline: deadline, leaseDeadline: held?.leaseDeadline ?? leaseDeadline, isStarted: true, stop: stop)
            defer { state.busyWaiter = nil }
            return state.busyWaiter
        }
        waiter?.resume()
    }

    /// Whether the job's lease was taken over since it was added, or has run out at `now` as far as this worker knows.
    func isLost(_ job: LeasedJob, now: ContinuousClock.Instant) -> Bool {
        self.state.withLock { state in
            guard let entry = state.entries[job.leaseToken] else { return false }
            return entry.stop == .leaseLost || entry.stop == .leaseExpired || entry.leaseDeadline <= now
        }
    }

    /// Records a successful renewal of `jobs`' leases, sent at a time that makes them last until `leaseDeadline`;
    /// the ids in `lost` were refused (see ``markLost(_:)``).
    func confirmLeases(_ jobs: [LeasedJob], until leaseDeadline: ContinuousClock.Instant, except lost: Set<JobID>) {
        self.state.withLock { state in
            for job in jobs where !lost.contains(job.id) {
                guard let entry = state.entries[job.leaseToken], entry.leaseDeadline < leaseDeadline else { continue }
                state.entries[job.leaseToken]?.leaseDeadline = leaseDeadline
            }
        }
    }

    /// Forgets a job; a watcher still waiting on it returns `nil`.
    func remove(_ job: LeasedJob) {
        let waiter = self.state.withLock { $0.entries.removeValue(forKey: job.leaseToken)?.waiter }
        waiter?.resume(returning: nil)
    }

    /// Flags jobs whose lease another worker took over and wakes their watchers. (Should this worker hold two runs of
    /// one id, both are told: the renewal reports ids, and the newer run is then recovered and run again.)
    func markLost(_ ids: Set<JobID>) {
        self.stop(.leaseLost) { ids.contains($0.job.id) }
    }

    /// Flags one run whose lease another worker took over (a checkpoint was refused) and wakes its watcher.
    func markLost(_ job: LeasedJob) {
        self.stop(.leaseLost) { $0.job.leaseToken == job.leaseToken }
    }

    /// Stops every job whose lease has run out at `now` (held ones are then not started), then every started job
    /// whose timeout has passed.
    func expire(now: ContinuousClock.Instant) {
        self.stop(.leaseExpired) { $0.leaseDeadline <= now }
        self.stop(.timedOut) { $0.isStarted && $0.deadline <= now }
    }

    /// Stops every running job, and every job that starts from now on: the shutdown grace is over.
    func stopAll() {
        self.state.withLock { $0.graceOver = true }
        self.stop(.shutdownDeadline) { $0.isStarted }
    }

    private func stop(_ reason: StopReason, where matches: (Entry) -> Bool) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<StopReason?, Never>] in
            var waiters: [CheckedContinuation<StopReason?, Never>] = []
            for (token, entry) in state.entries where entry.stop == nil && matches(entry) {
                state.entries[token]?.stop = reason
                if let waiter = entry.waiter { waiters.append(waiter) }
                state.entries[token]?.waiter = nil
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Returns why the job must stop, or `nil` when it was removed or the calling task was cancelled first.
    func waitForStop(_ job: LeasedJob) async -> StopReason? {
        let token = job.leaseToken
        return
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StopReason?, Never>) in
                let answer = self.state.withLock { state -> StopReason?? in
                    guard let entry = state.entries[token], !Task.isCancelled else { return .some(nil) }
                    if let stop = entry.stop { return .some(stop) }
                    state.entries[token]?.waiter = continuation
                    return .none
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
                defer { state.entries[token]?.waiter = nil }
                return state.entries[token]?.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Returns once at least one job runs, or when the calling task is cancelled.
    func waitUntilBusy() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.entries.values.contains(where: \.isStarted) || Task.isCancelled { return true }
                    state.busyWaiter?.resume()
                    state.busyWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.busyWaiter = nil }
                return state.busyWaiter
            }
            waiter?.resume()
        }
    }
}
