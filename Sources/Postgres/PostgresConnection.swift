import NIOPosix
public import Pooling

/// One connection to PostgreSQL (one libpq `PGconn`), leased from a ``PostgresClient``.
///
/// You get one inside ``PostgresClient/withConnection(_:)`` or ``PostgresClient/withTransaction(_:)``; do not keep it
/// after the closure returns. Every call runs libpq's blocking functions on the client's thread pool.
///
/// `@unchecked Sendable`: the handle is mutable C state, but the pool leases a connection to exactly one task at a
/// time and every call awaits its blocking libpq work to the end, so no two threads ever touch the handle at once.
public final class PostgresConnection: PoolableConnection, @unchecked Sendable {
    private var handle: OpaquePointer?
    private var broken = false
    private let threadPool: NIOThreadPool

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
    /// - Throws: `body`'s error, or ``PostgresError`` (`transactionAborted` when a statement failed inside a transaction
    ///   that `body` then tried to commit).
    public func withTransaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await self.execute("BEGIN")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            await self.rollbackOrDiscard()
            throw error
        }
        do {
            let tag = try await self.run { connection, handle throws(PostgresError) in
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

    /// Rolls back whatever is open; if that fails too, the connection is not trusted again.
    private func rollbackOrDiscard() async {
        guard !self.broken, self.inTransaction else { return }
        do {
            try await self.execute("ROLLBACK")
        } catch {
            self.markBroken()
        }
    }

    private var inTransaction: Bool { self.handle.map(Self.isInTransaction) ?? false }

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

    /// Runs blocking libpq work on the thread pool with the live handle.
    private func run<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection, OpaquePointer) throws(PostgresError) -> T) async throws -> T {
        try await Self.onThreadPool(self.threadPool) { () throws(PostgresError) -> T in
            guard let handle = self.handle, !self.broken else {
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
    func markBroken() { self.broken = true }

    // MARK: - PoolableConnection

    /// Open, idle (no transaction left open) and not closed by the server; checked without blocking.
    public var isReusable: Bool {
        guard !self.broken, let handle = self.handle else { return false }
        return Self.isIdleAndHealthy(handle)
    }

    /// Frees the libpq handle. Called by the pool.
    public func close() {
        guard let handle = self.handle else { return }
        self.handle = nil
        Self.finish(handle)
    }
}
