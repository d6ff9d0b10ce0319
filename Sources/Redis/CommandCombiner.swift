import Synchronization

/// Combines the commands that concurrent callers send into shared pipelines (flat combining), so that many tasks each
/// sending one command cost Redis and the client one round trip per batch instead of one per command.
///
/// A caller queues its commands and, while fewer than `maximumCombiners` batches are being sent, becomes the combiner:
/// it takes every queued entry (its own among them), sends them as one pipeline on one pooled connection, and hands
/// each caller its own replies. If more entries queued up meanwhile, it passes the combiner's role to the oldest of
/// their callers, so no caller sends more than one batch and nobody starts a task. A lone caller sends its command at
/// once, as before: combining adds no wait, it only fills the pipelines that load creates.
///
/// Replies are each caller's own and in its order. A connection failure fails every entry of that batch (none is sent
/// again: whether it ran is unknown), and an error reply stays in its own slot.
final class CommandCombiner: Sendable {
    /// What a queued caller is told: send the next batch itself, or here are its replies.
    enum Turn: Sendable {
        case combine
        case done(Result<[RedisValue], RedisError>)
    }

    private struct Entry {
        var commands: [RedisCommand]
        var waiter: CheckedContinuation<Turn, Never>
    }

    /// Entries wait here only while `maximumCombiners` batches are in flight; below that a caller combines at once.
    private struct State {
        var queue: [Entry] = []
        var combiners = 0
    }

    private let state = Mutex(State())
    /// Batches sent so far, for tests.
    let batchesSent = Atomic<Int>(0)
    private let maximumCombiners: Int
    private let maximumBatch: Int

    /// - Parameters:
    ///   - maximumCombiners: batches in flight at once (each holds one pooled connection).
    ///   - maximumBatch: commands per batch beyond the combiner's own, at most.
    init(maximumCombiners: Int, maximumBatch: Int = 512) {
        self.maximumCombiners = max(1, maximumCombiners)
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Sends `commands` as part of a combined pipeline; `send` runs one batch (all commands, in order) on a connection.
    func run(
        _ commands: [RedisCommand], send: ([RedisCommand]) async throws(RedisError) -> [RedisValue]
    ) async throws(RedisError) -> [RedisValue] {
        if self.state.withLock({ self.takeTurn(&$0) }) {
            return try await self.combine(own: commands, send: send).get()  // a free turn: no queueing, no suspension
        }
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            // Checked again under the lock: every combiner may have finished since, and nobody would take this entry.
            let combineNow = self.state.withLock { state -> Bool in
                if self.takeTurn(&state) { return true }
                state.queue.append(Entry(commands: commands, waiter: continuation))
                return false
            }
            if combineNow { continuation.resume(returning: .combine) }
        }
        switch turn {
        case .done(let result): return try result.get()
        case .combine: return try await self.combine(own: commands, send: send).get()
        }
    }

    /// Takes a combiner's turn if fewer than `maximumCombiners` batches are in flight.
    private func takeTurn(_ state: inout State) -> Bool {
        guard state.combiners < self.maximumCombiners else { return false }
        state.combiners += 1
        return true
    }

    /// Sends the caller's commands with the oldest queued entries as one batch, hands out their replies, then passes
    /// the combiner's role to the oldest entry still queued, or gives it up.
    private func combine(
        own: [RedisCommand], send: ([RedisCommand]) async throws(RedisError) -> [RedisValue]
    ) async -> Result<[RedisValue], RedisError> {
        let batch = self.state.withLock { state -> [Entry] in
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
        var commands = own
        for entry in batch { commands += entry.commands }
        self.batchesSent.add(1, ordering: .relaxed)
        let result: Result<[RedisValue], RedisError>
        do {
            result = .success(try await send(commands))
        } catch {
            result = .failure(error)
        }
        var offset = own.count
        for entry in batch {
            let start = offset
            offset += entry.commands.count
            entry.waiter.resume(returning: .done(result.map { Array($0[start..<start + entry.commands.count]) }))
        }
        let next = self.state.withLock { state -> Entry? in
            guard !state.queue.isEmpty else {
                state.combiners -= 1
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.waiter.resume(returning: .combine)
        return result.map { Array($0[0..<own.count]) }
    }
}
