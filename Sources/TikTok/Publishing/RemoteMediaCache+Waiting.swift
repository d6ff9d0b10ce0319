import Synchronization

/// The waiter registry of single-flight downloads: each caller waiting for a download is counted, resumed when it ends,
/// and let go at once when cancelled; the download itself is cancelled only with its last waiter.
extension RemoteMediaCache {
    /// A download in progress and the callers waiting for it.
    struct Download {
        var task: Task<Void, Never>
        var waiters: Set<UInt64> = []
        /// Cancelled because its last waiter was: callers who join meanwhile look again once it has ended.
        var abandoned = false
    }

    /// Resumes a suspended waiter with its download's outcome.
    typealias Wakeup = CheckedContinuation<Result<Void, RemoteMediaError>, Never>

    /// Where one waiting caller stands.
    enum Waiter {
        /// Counted as a waiter of its download; not suspended yet.
        case registered
        /// Suspended until its download ends or it is cancelled.
        case suspended(Wakeup)
        /// Its download ended (or it was cancelled) before it suspended: what it gets when it does.
        case finished(Result<Void, RemoteMediaError>)
    }

    /// Ends `key`'s download: the file joins the cache, the reservation is given back, and every waiter gets
    /// `result` (an abandoned download's late joiners get success: look again, and download afresh).
    func finish(key: String, size: Int64, result: Result<Void, RemoteMediaError>) {
        let (resumed, outcome) = self.state.withLock { state -> ([Wakeup], Result<Void, RemoteMediaError>) in
            state.reserved -= size
            if case .success = result { state.entries[key] = Entry(size: size, lastUse: state.tick, users: 0) }
            guard let download = state.downloads.removeValue(forKey: key) else { return ([], result) }
            let outcome: Result<Void, RemoteMediaError> = download.abandoned ? .success(()) : result
            var resumed: [Wakeup] = []
            for waiter in download.waiters {
                switch state.waiters[waiter] {
                case .suspended(let continuation):
                    state.waiters[waiter] = nil
                    resumed.append(continuation)
                case .registered:
                    state.waiters[waiter] = .finished(outcome)
                case .finished, nil:
                    break
                }
            }
            return (resumed, outcome)
        }
        for continuation in resumed { continuation.resume(returning: outcome) }
    }

    /// Waits until `key`'s download ends, as `waiter`. Cancellation ends the wait at once (``RemoteMediaError/Code/cancelled``)
    /// without touching the download, unless this was its last waiter: then the download is cancelled too.
    func wait(_ waiter: UInt64, key: String) async throws(RemoteMediaError) {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Wakeup) in
                let ready: Result<Void, RemoteMediaError>? = self.state.withLock { state in
                    if case .finished(let result) = state.waiters[waiter] {
                        state.waiters[waiter] = nil
                        return result
                    }
                    state.waiters[waiter] = .suspended(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.cancelWait(waiter, key: key)
        }
        try result.get()
    }

    /// `waiter` was cancelled: it stops waiting now. When it was its download's last waiter, the download is cancelled
    /// (it removes its part file and gives back its reservation as it ends; callers who join meanwhile look again then).
    private func cancelWait(_ waiter: UInt64, key: String) {
        let cancelled = Result<Void, RemoteMediaError>.failure(RemoteMediaError(.cancelled, message: "cancelled while the download ran"))
        let (continuation, orphan) = self.state.withLock { state -> (Wakeup?, Task<Void, Never>?) in
            var continuation: Wakeup?
            switch state.waiters[waiter] {
            case .registered:
                state.waiters[waiter] = .finished(cancelled)
            case .suspended(let suspended):
                state.waiters[waiter] = nil
                continuation = suspended
            case .finished, nil:
                return (nil, nil)  // the download ended first: the waiter takes its outcome
            }
            guard var download = state.downloads[key] else { return (continuation, nil) }
            download.waiters.remove(waiter)
            var orphan: Task<Void, Never>?
            if download.waiters.isEmpty, !download.abandoned {
                download.abandoned = true
                orphan = download.task
            }
            state.downloads[key] = download
            return (continuation, orphan)
        }
        orphan?.cancel()
        continuation?.resume(returning: cancelled)
    }
}
