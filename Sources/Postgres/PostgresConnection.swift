import NIOPosix
public import Pooling
import Synchronization

/// One connection to PostgreSQL (one libpq `PGconn`), leased from a ``PostgresClient``.
///
/// You get one inside ``PostgresClient/withConnection(_:)`` or ``PostgresClient/withTransaction(_:)``; do not keep it
/// after the closure returns. Every call runs libpq's blocking functions on the client's thread pool.
///
/// Calls from several tasks at once (`async let`, a task group) are safe and run one after another, in arrival order:
/// each waits, suspended and cancellable, for its turn on the connection. ``withTransaction(_:)`` holds the turn
/// from `BEGIN` to `COMMIT`, so a call from outside the transaction waits until it ends instead of running inside it;
/// calls from the transaction's own body (and its child tasks) take turns among themselves.
///
/// `@unchecked Sendable`: the handle is mutable C state and libpq's `PGconn` is not thread-safe, so every libpq call
/// on a leased connection runs while holding a ``ConnectionGate`` turn (the connection's own, or the innermost open
/// transaction's), and the turn passes on only after the blocking call has returned. ``isReusable`` and ``close()``
/// are called by the pool only while nobody holds a lease. `broken` is atomic.
public final class PostgresConnection: PoolableConnection, @unchecked Sendable {
    private var handle: OpaquePointer?
    private let broken = Atomic<Bool>(false)
    private let threadPool: NIOThreadPool
    /// Turns on the connection for callers outside any transaction of it.
    private let gate = ConnectionGate()

    /// For each connection with a transaction open in this task (or a parent task): that transaction's gate.
    @TaskLocal private static var transactionGates: [ObjectIdentifier: ConnectionGate] = [:]

    private init(handle: OpaquePointer, threadPool: NIOThreadPool) {
        self.handle = handle
        self.threadPool = threadPool
    }

    /// Connects on `threadPool` (the connect blocks for up to the connect timeout).
    static func connect(configuration: PostgresConfiguration, threadPool: NIOThreadPool) async throws -> PostgresConnection {
        try await Self.onThreadPool(threadPool) { () throws(PostgresError) -> PostgresConnection in
            PostgresConnection(handle: try Self.openHandle(configuration), threadPool: threadPool)
        }
    }

    deinit {
        if let handle = self.handle { Self.finish(handle) }
    }

    // MARK: - Statements

    /// Runs one statement and returns its rows (none for commands).
    /// - Throws: ``PostgresError`` (`server` with a SQLSTATE, `connectionLost`, `encoding`, …).
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let outcome = try await self.run { connection, handle throws(PostgresError) in try connection.runQuery(query, handle: handle) }
        guard let storage = outcome.storage else { return [] }
        return (0..<outcome.affectedRows).map { PostgresRow(storage: storage, row: $0) }
    }

    /// Runs one statement and returns the number of rows it affected (inserted, updated, deleted, copied).
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.run { connection, handle throws(PostgresError) in try connection.runQuery(query, handle: handle) }.affectedRows
    }

    /// Runs `body` inside `BEGIN … COMMIT` on this connection. A throw rolls back and rethrows; a failed `COMMIT` or
    /// `ROLLBACK` leaves the connection marked broken, so the pool discards it.
    ///
    /// The transaction holds the connection's turn throughout: other tasks' calls on this connection wait until it
    /// has committed or rolled back. `body` must not let the connection escape: a call made through it after the
    /// transaction ended throws `connectionMisuse`.
    /// - Throws: `body`'s error, or ``PostgresError`` (`transactionAborted` when a statement failed inside a transaction
    ///   that `body` then tried to commit).
    public func withTransaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await self.currentGate.withTurn {
            try await self.runHoldingTurn { connection, handle throws(PostgresError) in try connection.runQuery("BEGIN", handle: handle) }
            let inner = ConnectionGate()
            let result: Result
            do {
                result = try await Self.$transactionGates.withValue(Self.transactionGates.merging([self.id: inner]) { $1 }) {
                    try await body(self)
                }
            } catch {
                await inner.seal()
                await self.rollbackOrDiscard()
                throw error
            }
            await inner.seal()
            do {
                let tag = try await self.runHoldingTurn { connection, handle throws(PostgresError) in
                    try connection.runQuery("COMMIT", handle: handle)
                }.commandTag
                // COMMIT of a failed transaction "succeeds" with the tag ROLLBACK.
                guard tag != "ROLLBACK" else {
                    throw PostgresError(.transactionAborted, message: "a statement failed inside the transaction, so COMMIT rolled it back")
                }
                return result
            } catch {
                await self.rollbackOrDiscard()
                throw error
            }
        }
    }

    /// Rolls back whatever is open; if that fails too, the connection is not trusted again. Runs holding the turn.
    private func rollbackOrDiscard() async {
        do {
            try await self.runHoldingTurn { connection, handle throws(PostgresError) in
                guard Self.isInTransaction(handle) else { return }
                _ = try connection.runQuery("ROLLBACK", handle: handle)
            }
        } catch {
            self.markBroken()
        }
    }

    // MARK: - Internals for the client

    /// Runs multi-statement SQL (a migration) with no parameters; see ``runScript(_:handle:)``.
    func executeScript(_ sql: String) async throws {
        try await self.run { connection, handle throws(PostgresError) in try connection.runScript(sql, handle: handle) }
    }

    /// Sends a chunk of COPY data.
    func sendCopyData(_ chunk: [UInt8]) async throws {
        try await self.run { connection, handle throws(PostgresError) in try connection.putCopyData(chunk, handle: handle) }
    }

    /// Finishes a COPY; `failure` aborts it instead.
    func finishCopy(failure: String?) async throws -> Int {
        try await self.run { connection, handle throws(PostgresError) in try connection.endCopy(failure: failure, handle: handle) }
    }

    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    /// The gate this task takes turns at: its innermost open transaction's on this connection, else the connection's.
    private var currentGate: ConnectionGate { Self.transactionGates[self.id] ?? self.gate }

    /// Runs blocking libpq work on the thread pool with the live handle, once it is this task's turn.
    private func run<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection, OpaquePointer) throws(PostgresError) -> T) async throws -> T {
        try await self.currentGate.withTurn { try await self.runHoldingTurn(work) }
    }

    /// ``run(_:)`` for a caller that already holds the turn (a transaction's own `BEGIN`, `COMMIT`, `ROLLBACK`).
    private func runHoldingTurn<T: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection, OpaquePointer) throws(PostgresError) -> T
    ) async throws -> T {
        try await Self.onThreadPool(self.threadPool) { () throws(PostgresError) -> T in
            guard let handle = self.handle, !self.broken.load(ordering: .acquiring) else {
                throw PostgresError(.connectionLost, message: "the connection was closed or broke earlier")
            }
            return try work(self, handle)
        }
    }

    /// `runIfActive`, with a shut-down thread pool reported as `poolClosed`.
    private static func onThreadPool<T: Sendable>(_ threadPool: NIOThreadPool, _ work: @escaping @Sendable () throws(PostgresError) -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive { try work() }
        } catch let error as PostgresError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw PostgresError(.poolClosed, message: "the client's thread pool is shut down")
        }
    }

    /// Marks the connection unusable; the pool closes it when it comes back.
    func markBroken() { self.broken.store(true, ordering: .releasing) }

    // MARK: - PoolableConnection

    /// Open, idle (no transaction left open) and not closed by the server; checked without blocking.
    public var isReusable: Bool {
        guard !self.broken.load(ordering: .acquiring), let handle = self.handle else { return false }
        return Self.isIdleAndHealthy(handle)
    }

    /// Frees the libpq handle. Called by the pool.
    public func close() {
        guard let handle = self.handle else { return }
        self.handle = nil
        Self.finish(handle)
    }
}
