import Synchronization

/// A first-come-first-served turn on one connection: whoever holds the turn is the only one touching libpq's `PGconn`.
///
/// Waiting is asynchronous (a suspended task, never a blocked thread) and cancellable: a cancelled waiter leaves the
/// queue with `CancellationError` and nobody else notices. Holding the turn across an `await` is the point: the libpq
/// call runs on the thread pool and the turn passes on only when it has returned.
///
/// A gate can be *sealed* (see ``seal()``): the transaction that made it is over, so whoever still tries to use it
/// kept the connection past its closure and gets `connectionMisuse`.
final class ConnectionGate: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var held = false
        var sealed = false
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
        /// ``seal()`` waiting for the current holder to finish.
        var sealer: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Runs `body` while holding the turn, waiting for it first.
    /// - Throws: `CancellationError` when cancelled while waiting, ``PostgresError`` `connectionMisuse` on a sealed
    ///   gate, or `body`'s error.
    func withTurn<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await self.acquire()
        defer { self.release() }
        return try await body()
    }

    /// Takes the turn, suspending until it is free.
    func acquire() async throws {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = self.state.withLock { state in
                    if state.sealed { return .failure(Self.misuse) }
                    // Checked under the lock: a cancel that ran before the waiter was queued is seen here.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !state.held {
                        state.held = true
                        return .success(())
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let removed = self.state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the turn to the longest waiter, or frees it (or lets a waiting ``seal()`` finish).
    func release() {
        enum Next {
            case waiter(CheckedContinuation<Void, any Error>)
            case sealer(CheckedContinuation<Void, Never>)
        }
        let next = self.state.withLock { state -> Next? in
            if let sealer = state.sealer {
                state.sealer = nil
                state.held = false
                return .sealer(sealer)
            }
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return .waiter(state.waiters.removeFirst().continuation)
        }
        switch next {
        case .waiter(let continuation): continuation.resume()
        case .sealer(let continuation): continuation.resume()
        case nil: break
        }
    }

    /// Closes the gate for good: waiters and later callers get `connectionMisuse`. Returns once whoever holds the turn
    /// has let go (not cancellable: the caller must know that nobody touches the connection through this gate any more).
    func seal() async {
        let (refused, mustWait) = self.state.withLock { state in
            state.sealed = true
            let refused = state.waiters.map(\.continuation)
            state.waiters.removeAll()
            return (refused, state.held)
        }
        refused.forEach { $0.resume(throwing: Self.misuse) }
        guard mustWait else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.state.withLock { state in
                guard state.held else { return true }
                state.sealer = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    private static var misuse: PostgresError {
        PostgresError(.connectionMisuse, message: "the connection was used after the transaction that lent it ended")
    }
}
