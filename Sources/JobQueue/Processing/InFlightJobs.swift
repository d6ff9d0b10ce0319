import Synchronization

/// Why a running job has to stop before its handler returns.
enum StopReason: Sendable, Equatable {
    /// Another worker took the lease over.
    case leaseLost
    /// The job ran past its timeout.
    case timedOut
    /// The shutdown grace period ended.
    case shutdownDeadline
}

/// The jobs this worker is running: the heartbeat renews their leases from here, and one watchdog tells a handler to
/// stop when its lease was lost, its timeout passed or the shutdown grace ended. Each job waits on a continuation, so a
/// running job costs no timer of its own (a per-job `Task.sleep` leaves a timer behind for its whole timeout).
final class InFlightJobs: Sendable {
    private struct Entry {
        var job: LeasedJob
        var deadline: ContinuousClock.Instant
        var stop: StopReason?
        var waiter: CheckedContinuation<StopReason?, Never>?
    }

    private struct State {
        var entries: [JobID: Entry] = [:]
        var busyWaiter: CheckedContinuation<Void, Never>?
        /// Set once the shutdown grace is over: a job that starts after it is told to stop at once.
        var graceOver = false
    }

    private let state = Mutex(State())

    /// Jobs running now.
    var jobs: [LeasedJob] { self.state.withLock { $0.entries.values.map(\.job) } }

    /// How many run now.
    var count: Int { self.state.withLock { $0.entries.count } }

    /// Adds a job that must stop by `deadline` (its timeout), waking a watchdog that waits for work.
    func insert(_ job: LeasedJob, deadline: ContinuousClock.Instant) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.entries[job.id] = Entry(job: job, deadline: deadline, stop: state.graceOver ? .shutdownDeadline : nil)
            defer { state.busyWaiter = nil }
            return state.busyWaiter
        }
        waiter?.resume()
    }

    /// Forgets a job; a watcher still waiting on it returns `nil`.
    func remove(_ id: JobID) {
        let waiter = self.state.withLock { $0.entries.removeValue(forKey: id)?.waiter }
        waiter?.resume(returning: nil)
    }

    /// Flags jobs whose lease another worker took over and wakes their watchers.
    func markLost(_ ids: Set<JobID>) {
        self.stop(.leaseLost) { ids.contains($0.job.id) }
    }

    /// Stops every job whose timeout has passed at `now`.
    func expire(now: ContinuousClock.Instant) {
        self.stop(.timedOut) { $0.deadline <= now }
    }

    /// Stops every running job, and every job that starts from now on: the shutdown grace is over.
    func stopAll() {
        self.state.withLock { $0.graceOver = true }
        self.stop(.shutdownDeadline) { _ in true }
    }

    private func stop(_ reason: StopReason, where matches: (Entry) -> Bool) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<StopReason?, Never>] in
            var waiters: [CheckedContinuation<StopReason?, Never>] = []
            for (id, entry) in state.entries where entry.stop == nil && matches(entry) {
                state.entries[id]?.stop = reason
                if let waiter = entry.waiter { waiters.append(waiter) }
                state.entries[id]?.waiter = nil
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Returns why the job must stop, or `nil` when it was removed or the calling task was cancelled first.
    func waitForStop(_ id: JobID) async -> StopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StopReason?, Never>) in
                let answer = self.state.withLock { state -> StopReason?? in
                    guard let entry = state.entries[id], !Task.isCancelled else { return .some(nil) }
                    if let stop = entry.stop { return .some(stop) }
                    state.entries[id]?.waiter = continuation
                    return .none
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
                defer { state.entries[id]?.waiter = nil }
                return state.entries[id]?.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Returns once at least one job runs, or when the calling task is cancelled.
    func waitUntilBusy() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if !state.entries.isEmpty || Task.isCancelled { return true }
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
