import Synchronization

/// The jobs this worker is running, so the heartbeat can renew their leases and tell a handler when its lease was lost.
final class InFlightJobs: Sendable {
    private struct Entry {
        var job: LeasedJob
        var isLost = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let entries = Mutex<[JobID: Entry]>([:])

    /// Jobs running now.
    var jobs: [LeasedJob] { self.entries.withLock { $0.values.map(\.job) } }

    /// How many run now.
    var count: Int { self.entries.withLock { $0.count } }

    func insert(_ job: LeasedJob) { self.entries.withLock { $0[job.id] = Entry(job: job) } }

    func remove(_ id: JobID) {
        let waiter = self.entries.withLock { $0.removeValue(forKey: id)?.waiter }
        waiter?.resume()
    }

    /// Flags jobs whose lease another worker took over and wakes their watchers.
    func markLost(_ ids: Set<JobID>) {
        let waiters = self.entries.withLock { entries -> [CheckedContinuation<Void, Never>] in
            var waiters: [CheckedContinuation<Void, Never>] = []
            for id in ids where entries[id] != nil {
                entries[id]?.isLost = true
                if let waiter = entries[id]?.waiter { waiters.append(waiter) }
                entries[id]?.waiter = nil
            }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func isLost(_ id: JobID) -> Bool { self.entries.withLock { $0[id]?.isLost ?? false } }

    /// Returns when the job's lease is lost, the job is removed, or the calling task is cancelled.
    func waitUntilLost(_ id: JobID) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.entries.withLock { entries -> Bool in
                    guard var entry = entries[id], !entry.isLost, !Task.isCancelled else { return true }
                    entry.waiter = continuation
                    entries[id] = entry
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.entries.withLock { entries -> CheckedContinuation<Void, Never>? in
                defer { entries[id]?.waiter = nil }
                return entries[id]?.waiter
            }
            waiter?.resume()
        }
    }
}
