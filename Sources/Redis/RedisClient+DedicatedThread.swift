import NIOPosix
import Synchronization

extension RedisClient {
    /// The dedicated thread the current task prefers, if it is inside ``withDedicatedThread(_:)``.
    @TaskLocal static var currentDedicatedThread: DedicatedThread?

    /// Runs `body` on a thread of its own, on which this client's commands run their blocking C calls inline: no hop
    /// to the thread pool and back per command. For hot loops (a worker slot, a benchmark) that issue one command at a
    /// time; each concurrent call holds one thread, reused by later calls and stopped at ``shutdown()``.
    ///
    /// Code in `body` that is isolated to an actor still runs on that actor; commands sent from there take the
    /// ordinary path. Do not start unstructured tasks in `body` that outlive it.
    public func withDedicatedThread<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        let thread = self.dedicatedThreads.lease()
        defer { self.dedicatedThreads.release(thread) }
        return try await Self.$currentDedicatedThread.withValue(thread) {
            try await withTaskExecutorPreference(thread) { try await body() }
        }
    }

    /// Blocking calls and combined batches that ran inline on a dedicated thread, for tests.
    var inlineCount: Int { self.inlineCalls.load(ordering: .relaxed) + self.combiner.inlineBatches.load(ordering: .relaxed) }

    /// Runs a blocking call inline when on this task's dedicated thread, else on the client's thread pool.
    func offload<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        if let thread = Self.currentDedicatedThread, thread.isCurrentThread {
            self.inlineCalls.add(1, ordering: .relaxed)
            return try body()
        }
        return try await self.threadPool.runIfActive(body)
    }
}
