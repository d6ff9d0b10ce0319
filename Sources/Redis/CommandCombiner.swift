import NIOPosix
import Pooling
import Synchronization

/// Combines the commands that concurrent callers send into shared pipelines (flat combining), so that many tasks each
/// sending one command cost Redis and the client one round trip per batch instead of one per command.
///
/// Batches are sent by the client, never by a caller's task. A caller that finds fewer than `maximumSenders` batches in
/// flight takes a turn: it leases a connection (in its own task: the only step its cancellation can stop, and then
/// nobody else's command was taken yet) and hands its commands, with the oldest queued ones, to a sender on the
/// client's thread pool. From then on every caller, that one included, only waits for its own replies, so a caller
/// cancelled meanwhile (a job timeout, a lost lease, shutdown) fails nobody else. The sender keeps its connection and
/// sends the next queued batch as soon as one is done, until the line is empty; no task is started per command or batch.
/// A caller that takes a turn on its dedicated thread (see ``RedisClient/withDedicatedThread(_:)``) sends that first
/// batch inline, synchronously, so no cancellation can interrupt it either; later batches go to a sender.
///
/// Replies are each caller's own and in its order. A connection failure fails every entry of that batch (none is sent
/// again: whether it ran is unknown) and retires the connection; an error reply stays in its own slot.
final class CommandCombiner: Sendable {
    typealias Reply = Result<[RedisValue], RedisError>

    /// What a queued caller is told: take the turn (lease a connection for the next batch), or here are its replies.
    private enum Turn: Sendable {
        case lease
        case done(Reply)
    }

    private struct Entry {
        var commands: [RedisCommand]
        /// `nil` for the commands of a caller sending its batch inline, which reads its replies from the result.
        var waiter: CheckedContinuation<Turn, Never>?
    }

    /// Entries wait here only while `maximumSenders` turns are taken; below that a caller takes a turn at once.
    private struct State {
        var queue: [Entry] = []
        /// Turns taken: callers leasing a connection, and senders.
        var turns = 0
        var isClosed = false
    }

    private let state = Mutex(State())
    private let pool: ConnectionPool<RedisConnectionHandle>
    private let threadPool: NIOThreadPool
    private let maximumSenders: Int
    private let maximumBatch: Int
    /// Batches sent so far, for tests.
    let batchesSent = Atomic<Int>(0)
    /// Batches sent inline by a caller on its dedicated thread, for tests.
    let inlineBatches = Atomic<Int>(0)
    /// Callers waiting in line, for tests.
    var queuedCallers: Int { self.state.withLock { $0.queue.count } }

    /// - Parameters:
    ///   - pool: where batches lease their connection.
    ///   - threadPool: where senders run (blocking hiredis calls).
    ///   - maximumSenders: batches in flight at once (each holds one pooled connection).
    ///   - maximumBatch: commands per batch beyond the first caller's own, at most.
    init(pool: ConnectionPool<RedisConnectionHandle>, threadPool: NIOThreadPool, maximumSenders: Int, maximumBatch: Int = 512) {
        self.pool = pool
        self.threadPool = threadPool
        self.maximumSenders = max(1, maximumSenders)
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Sends `commands` as part of a combined pipeline and returns their replies.
    func run(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        let (turn, closed) = self.state.withLock { ($0.isClosed ? false : self.takeTurn(&$0), $0.isClosed) }
        if closed { throw Self.closedError }
        if turn { return try await self.lease(own: commands).get() }  // a free turn: no queueing, no suspension
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            // Checked again under the lock: every turn may have ended since, and nobody would take this entry.
            let answer = self.state.withLock { state -> Turn? in
                if state.isClosed { return .done(.failure(Self.closedError)) }
                if self.takeTurn(&state) { return .lease }
                state.queue.append(Entry(commands: commands, waiter: continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
        switch answer {
        case .done(let reply): return try reply.get()
        case .lease: return try await self.lease(own: commands).get()
        }
    }

    /// Fails the callers still in line with ``RedisError/Code/poolClosed``, and every later one; batches in flight
    /// finish, then their senders stop.
    func close() {
        let queued = self.state.withLock { state -> [Entry] in
            state.isClosed = true
            defer { state.queue = [] }
            return state.queue
        }
        for entry in queued { entry.waiter?.resume(returning: .done(.failure(Self.closedError))) }
    }

    private static var closedError: RedisError { RedisError(.poolClosed, detail: "the client is shut down") }

    /// Takes a turn if fewer than `maximumSenders` are taken.
    private func takeTurn(_ state: inout State) -> Bool {
        guard state.turns < self.maximumSenders else { return false }
        state.turns += 1
        return true
    }

    /// The oldest queued entries, at most `maximumBatch` commands (but at least one entry).
    private func takeBatch(_ state: inout State) -> [Entry] {
        var count = 0
        var taken = 0
        for entry in state.queue {
            if taken > 0 && count + entry.commands.count > self.maximumBatch { break }
            count += entry.commands.count
            taken += 1
        }
        defer { state.queue.removeFirst(taken) }
        return Array(state.queue.prefix(taken))
    }

    // MARK: - A turn

    /// Holds a turn: leases a connection in the caller's task, then has the batch sent, and waits for its own replies.
    private func lease(own commands: [RedisCommand]) async -> Reply {
        let connection: RedisConnectionHandle
        do {
            connection = try await self.pool.acquire()
        } catch {
            return self.leaseFailed(error)
        }
        if let thread = RedisClient.currentDedicatedThread, thread.isCurrentThread {
            // Synchronous from here on, so no cancellation can stop it; queued callers behind get a thread-pool sender.
            self.inlineBatches.add(1, ordering: .relaxed)
            let batch = [Entry(commands: commands, waiter: nil)] + self.state.withLock { self.takeBatch(&$0) }
            let reply = self.send(batch, on: connection)
            if let next = self.next(after: reply, on: connection) { self.submit(next, on: connection) }
            return reply.map { Array($0.prefix(commands.count)) }
        }
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let batch = [Entry(commands: commands, waiter: continuation)] + self.state.withLock { self.takeBatch(&$0) }
            self.submit(batch, on: connection)
        }
        guard case .done(let reply) = answer else { preconditionFailure("a sender answers with replies only") }
        return reply
    }

    /// No connection for this turn. Cancelled: only this caller fails, and the turn passes to the oldest queued caller.
    /// Otherwise (shut down, pool exhausted, server unreachable) the batch this turn would have sent fails with it, as
    /// it would have on the connection, so a down server costs each queued caller one acquire timeout, not one each.
    private func leaseFailed(_ error: any Error) -> Reply {
        let closed = self.state.withLock { $0.isClosed }
        if Task.isCancelled && !closed {
            self.passTurn()
            return .failure(RedisError(.cancelled))
        }
        let failure = RedisError.converting(error, closed: closed)
        let batch = self.state.withLock { self.takeBatch(&$0) }
        for entry in batch { entry.waiter?.resume(returning: .done(.failure(failure))) }
        self.passTurn()
        return .failure(failure)
    }

    /// Ends a turn without a connection: the oldest queued caller takes it, or (shut down, or nobody queued) it is given up.
    private func passTurn() {
        let (next, closed) = self.state.withLock { state -> (Entry?, [Entry]) in
            if state.isClosed || state.queue.isEmpty {
                state.turns -= 1
                defer { state.queue = [] }
                return (nil, state.queue)
            }
            return (state.queue.removeFirst(), [])
        }
        next?.waiter?.resume(returning: .lease)
        for entry in closed { entry.waiter?.resume(returning: .done(.failure(Self.closedError))) }
    }

    // MARK: - The sender

    /// Runs a sender for `batch` on a thread of the client's pool; it goes on with later batches on the same connection.
    private func submit(_ batch: [Entry], on connection: RedisConnectionHandle) {
        self.threadPool.submit { work in
            guard case .active = work else {
                // The thread pool is shut down: nothing of the batch was sent.
                self.state.withLock { $0.isClosed = true }
                for entry in batch { entry.waiter?.resume(returning: .done(.failure(Self.closedError))) }
                self.pool.release(connection)
                self.passTurn()
                return
            }
            var batch = batch
            while true {
                let reply = self.send(batch, on: connection)
                guard let next = self.next(after: reply, on: connection) else { return }
                batch = next
            }
        }
    }

    /// Sends one batch as one pipeline and hands each waiting entry its own replies; returns the batch's whole reply.
    private func send(_ batch: [Entry], on connection: RedisConnectionHandle) -> Reply {
        var commands: [RedisCommand] = []
        for entry in batch { commands += entry.commands }
        self.batchesSent.add(1, ordering: .relaxed)
        let reply: Reply
        do {
            reply = .success(try connection.pipelineLoadingScripts(commands))
        } catch {
            reply = .failure(error)
        }
        var offset = 0
        for entry in batch {
            let start = offset
            offset += entry.commands.count
            entry.waiter?.resume(returning: .done(reply.map { Array($0[start..<start + entry.commands.count]) }))
        }
        return reply
    }

    /// After a batch: the next one for the same connection, or `nil` when the sender stops. It stops when the line is
    /// empty (the turn ends), when the batch failed (the connection's state is unknown: it goes back to the pool, which
    /// replaces it, and the oldest queued caller leases another), or when the client is shut down.
    private func next(after reply: Reply, on connection: RedisConnectionHandle) -> [Entry]? {
        let healthy: Bool
        if case .success = reply { healthy = true } else { healthy = false }
        let next = self.state.withLock { state -> [Entry]? in
            guard healthy, !state.isClosed else { return nil }
            let batch = self.takeBatch(&state)
            if batch.isEmpty { state.turns -= 1 }
            return batch
        }
        if let next, !next.isEmpty { return next }
        self.pool.release(connection)
        if next == nil { self.passTurn() }
        return nil
    }
}
