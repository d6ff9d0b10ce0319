import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own that runs the async code of the tasks preferring it (a Swift `TaskExecutor`).
///
/// A ``RedisClient`` command issued from this thread runs its blocking hiredis call right here instead of hopping to the
/// client's thread pool and back, which on a loopback Redis costs more than the round trip itself. Blocking this thread
/// is fine: nothing but the tasks that asked for it runs on it, never Swift's cooperative pool.
///
/// `@unchecked Sendable`: `jobs` and `isStopping` are only touched with `condition` locked; `threadID` is atomic.
final class DedicatedThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var isStopping = false
    private let threadID = Atomic<UInt>(0)

    /// Starts the thread; it runs until ``stop()`` and an empty queue.
    init(name: String) {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.condition.lock()
        self.jobs.append(job)
        self.condition.signal()
        self.condition.unlock()
    }

    /// Whether the caller runs on this thread right now.
    var isCurrentThread: Bool { self.threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Lets the thread end once its queue is empty.
    func stop() {
        self.condition.lock()
        self.isStopping = true
        self.condition.signal()
        self.condition.unlock()
    }

    private func loop() {
        self.threadID.store(UInt(pthread_self()), ordering: .relaxed)
        var batch: [UnownedJob] = []
        while true {
            self.condition.lock()
            while self.jobs.isEmpty && !self.isStopping { self.condition.wait() }
            if self.jobs.isEmpty {
                self.condition.unlock()
                return
            }
            swap(&batch, &self.jobs)
            self.condition.unlock()
            for job in batch { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

/// The dedicated threads of one client: reused across ``RedisClient/withDedicatedThread(_:)`` calls, stopped at shutdown.
final class DedicatedThreads: Sendable {
    private let state = Mutex<(idle: [DedicatedThread], created: Int, isClosed: Bool)>(([], 0, false))

    func lease() -> DedicatedThread {
        let (reused, number) = self.state.withLock { state -> (DedicatedThread?, Int) in
            if let thread = state.idle.popLast() { return (thread, 0) }
            state.created += 1
            return (nil, state.created)
        }
        return reused ?? DedicatedThread(name: "reelay-redis-\(number)")
    }

    func release(_ thread: DedicatedThread) {
        let keep = self.state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.idle.append(thread)
            return true
        }
        if !keep { thread.stop() }
    }

    func close() {
        let idle = self.state.withLock { state -> [DedicatedThread] in
            state.isClosed = true
            defer { state.idle = [] }
            return state.idle
        }
        for thread in idle { thread.stop() }
    }
}
