import Synchronization

/// The port the server bound, for callers that ask before it is known: they wait (without blocking a thread) until
/// the server is listening, or get the error that stopped it.
final class PortPromise: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<Int, any Error>])
        case bound(Int)
        case failed(any Error)
    }

    private let state = Mutex<State>(.waiting([:]))
    private let nextID = Atomic<Int>(0)

    /// The port once bound.
    var boundPort: Int? {
        self.state.withLock { if case .bound(let port) = $0 { port } else { nil } }
    }

    /// Records the bound port and wakes the waiters.
    func fulfil(_ port: Int) { self.settle(.bound(port)) }

    /// Records why there is no port (bind failure, server stopped) and wakes the waiters.
    func fail(_ error: any Error) { self.settle(.failed(error)) }

    private func settle(_ outcome: State) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard case .waiting(let waiters) = state else {
                if case .bound = state, case .failed = outcome { state = outcome }
                return []
            }
            state = outcome
            return Array(waiters.values)
        }
        for waiter in waiters {
            switch outcome {
            case .bound(let port): waiter.resume(returning: port)
            case .failed(let error): waiter.resume(throwing: error)
            case .waiting: break
            }
        }
    }

    /// Waits for the port; throws when the server failed or stopped, or the task is cancelled.
    func value() async throws -> Int {
        let id = self.nextID.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<Int, any Error>? = self.state.withLock { state in
                    switch state {
                    case .bound(let port): return .success(port)
                    case .failed(let error): return .failure(error)
                    case .waiting(var waiters):
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[id] = continuation
                        state = .waiting(waiters)
                        return nil
                    }
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Int, any Error>? in
                guard case .waiting(var waiters) = state, let waiter = waiters.removeValue(forKey: id) else { return nil }
                state = .waiting(waiters)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
