import Synchronization

/// A bounded pool of driver connections: connections are opened lazily, reused while ``PoolableConnection/isReusable``,
/// and replaced when broken. A failed connect is retried with exponential back-off until the acquire timeout, so a
/// client survives a server restart without restarting the process. Waiters are served first come, first served.
public final class ConnectionPool<Connection: PoolableConnection>: Sendable {
    /// Opens one connection. It may block only if it runs its blocking part off the cooperative pool.
    public typealias Connect = @Sendable () async throws -> Connection
    /// Tells whether a connect failure is worth retrying (refused, reset, timed out) or final (bad password, unknown database).
    public typealias IsRetryable = @Sendable (any Error) -> Bool

    /// Sizes and timings.
    public let configuration: ConnectionPoolConfiguration
    private let connect: Connect
    private let isRetryable: IsRetryable
    private let state = Mutex(State())

    private enum Grant: Sendable {
        case connection(Connection)
        case openSlot
    }

    private struct State: ~Copyable {
        var idle: [Connection] = []
        var open = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    /// A counted view of the pool, for tests and metrics.
    public struct Statistics: Sendable, Hashable {
        /// Connections open, leased or idle (and those being opened).
        public var open: Int
        /// Connections open and not leased.
        public var idle: Int
        /// Tasks waiting for a connection.
        public var waiting: Int

        /// Counts as given.
        public init(open: Int, idle: Int, waiting: Int) {
            self.open = open
            self.idle = idle
            self.waiting = waiting
        }
    }

    /// A pool that opens connections with `connect`, retrying failures for which `isRetryable` answers `true`.
    public init(configuration: ConnectionPoolConfiguration, isRetryable: @escaping IsRetryable, connect: @escaping Connect) {
        precondition(configuration.maximumConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.connect = connect
        self.isRetryable = isRetryable
    }

    /// Current counts.
    public var statistics: Statistics {
        self.state.withLock { Statistics(open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    /// Leases a connection to `body` and takes it back afterwards, whether `body` returns or throws.
    public func withConnection<Result: Sendable>(_ body: (Connection) async throws -> Result) async throws -> Result {
        let connection = try await self.acquire()
        do {
            let result = try await body(connection)
            self.release(connection)
            return result
        } catch {
            self.release(connection)
            throw error
        }
    }

    /// Takes a connection out of the pool; pair every call with ``release(_:)``.
    /// - Throws: ``PoolError`` (`exhausted`, `closed`), or the driver's connect error once retries ran out.
    public func acquire() async throws -> Connection {
        let deadline = ContinuousClock.now.advanced(by: self.configuration.acquireTimeout)
        while true {
            let grant: Grant
            switch try self.takeIdleOrSlot() {
            case .some(let immediate): grant = immediate
            case .none: grant = try await self.waitForGrant(deadline: deadline)
            }
            switch grant {
            case .connection(let connection):
                if connection.isReusable { return connection }
                self.discard(connection)
            case .openSlot:
                return try await self.open(deadline: deadline)
            }
        }
    }

    /// Returns a connection to the pool. Whether it still works is checked when it is next handed out (one check per
    /// use, not two); a broken one is then closed and replaced.
    public func release(_ connection: Connection) {
        let (keep, handover) = self.state.withLock { state -> (Bool, (CheckedContinuation<Grant, any Error>, Grant)?) in
            guard !state.isClosed else {
                state.open -= 1
                return (false, nil)
            }
            if !state.waiters.isEmpty {
                return (true, (state.waiters.removeFirst().continuation, .connection(connection)))
            }
            state.idle.append(connection)
            return (true, nil)
        }
        if !keep { connection.close() }
        if let (continuation, grant) = handover { continuation.resume(returning: grant) }
    }

    /// Closes idle connections, fails every waiter with `closed`, and closes leased connections as they come back.
    public func close() {
        let (idle, waiters) = self.state.withLock { state in
            state.isClosed = true
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            let waiters = state.waiters
            state.waiters = []
            return (idle, waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.continuation.resume(throwing: self.error(.closed)) }
    }

    // MARK: - Internals

    private func error(_ code: PoolError.Code) -> PoolError {
        PoolError(code, maximumConnections: self.configuration.maximumConnections, timeout: self.configuration.acquireTimeout)
    }

    /// An idle connection, or a slot to open one, or `nil` when the caller has to wait.
    private func takeIdleOrSlot() throws -> Grant? {
        try self.state.withLock { state in
            if state.isClosed { throw self.error(.closed) }
            return self.takeIdleOrSlot(&state)
        }
    }

    /// ``takeIdleOrSlot()`` under a lock the caller already holds.
    private func takeIdleOrSlot(_ state: inout State) -> Grant? {
        if let connection = state.idle.popLast() { return .connection(connection) }
        if state.open < self.configuration.maximumConnections {
            state.open += 1
            return .openSlot
        }
        return nil
    }

    private func discard(_ connection: Connection) {
        connection.close()
        self.freeSlot()
    }

    /// A slot became free: give it to the first waiter, who will open a connection in it.
    private func freeSlot() {
        let handover = self.state.withLock { state in
            state.open -= 1
            return Self.handOverSlot(&state)
        }
        if let (continuation, grant) = handover { continuation.resume(returning: grant) }
    }

    private static func handOverSlot(_ state: inout State) -> (CheckedContinuation<Grant, any Error>, Grant)? {
        guard !state.isClosed, !state.waiters.isEmpty else { return nil }
        state.open += 1
        return (state.waiters.removeFirst().continuation, .openSlot)
    }

    /// Opens a connection in a slot already counted in `open`, retrying retryable failures with back-off until `deadline`.
    private func open(deadline: ContinuousClock.Instant) async throws -> Connection {
        var backoff = self.configuration.initialConnectBackoff
        while true {
            do {
                return try await self.connect()
            } catch {
                let now = ContinuousClock.now
                let closed = self.state.withLock { $0.isClosed }
                guard !closed, self.isRetryable(error), now.advanced(by: backoff) < deadline, !Task.isCancelled else {
                    self.freeSlot()
                    throw error
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, self.configuration.maximumConnectBackoff)
            }
        }
    }

    /// Waits in line until a connection or a slot is handed over, or the deadline passes.
    private func waitForGrant(deadline: ContinuousClock.Instant) async throws -> Grant {
        let id = self.state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withThrowingTaskGroup(of: Grant?.self) { group in
            group.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        let answer = self.state.withLock { state -> Result<Grant, any Error>? in
                            // Checked under the lock: a cancellation handler that ran before this point found nothing to remove.
                            if state.isClosed { return .failure(self.error(.closed)) }
                            if Task.isCancelled { return .failure(self.error(.exhausted)) }
                            // Looked at again under the lock that joins the line: a connection released (or a slot freed)
                            // since the caller last looked went idle with nobody in line, and would stay idle while the
                            // caller waited out its whole timeout.
                            if let grant = self.takeIdleOrSlot(&state) { return .success(grant) }
                            state.waiters.append((id, continuation))
                            return nil
                        }
                        if let answer { continuation.resume(with: answer) }
                    }
                } onCancel: {
                    self.abandonWait(id)
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            // The first child to finish decides; cancelling the waiter afterwards either removes it from the line or,
            // when a grant raced the timer, lets that grant through, so a handed-over connection is never lost.
            var outcome: Result<Grant, any Error>?
            while let next = await group.nextResult() {
                switch next {
                case .success(.some(let grant)): outcome = .success(grant)
                case .success(.none): break
                case .failure(let error): outcome = .failure(error)
                }
                group.cancelAll()
            }
            return try (outcome ?? .failure(self.error(.exhausted))).get()
        }
    }

    private func abandonWait(_ id: UInt64) {
        let continuation = self.state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index).continuation
        }
        continuation?.resume(throwing: self.error(.exhausted))
    }

}
