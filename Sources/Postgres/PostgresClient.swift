public import Logging
import NIOPosix
public import Pooling
public import ServiceLifecycle
import Synchronization

/// The PostgreSQL client: a bounded pool of libpq connections and the threads that run their blocking calls.
///
/// It is a `Service`: list it first in the process's `ServiceGroup`; ``run()`` waits for graceful shutdown and then
/// closes the pool and its threads. Code that has no service group (a one-shot command) calls ``shutdown()`` itself.
///
/// ```swift
/// let client = PostgresClient(configuration: try PostgresConfiguration(url: url), logger: logger)
/// let rows = try await client.query("SELECT name FROM creators WHERE id = \(id)")
/// try await client.withTransaction { tx in
///     try await tx.execute("UPDATE posts SET state = \(state) WHERE id = \(postID)")
/// }
/// ```
///
/// A connection broken by a server restart is noticed when it is next leased (without blocking) and replaced, and a
/// refused connect is retried with back-off until ``PostgresConfiguration/acquireTimeout``; so the first query after
/// a restart succeeds once the server accepts connections again.
public final class PostgresClient: Service, Sendable {
    /// The configuration the client was made with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    private let pool: ConnectionPool<PostgresConnection>
    private let threadPool: NIOThreadPool
    private let isShutDown = Mutex(false)

    /// A client; no connection is opened until the first query.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "reelay.postgres")) {
        self.configuration = configuration
        self.logger = logger
        let threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.poolSize))
        threadPool.start()
        self.threadPool = threadPool
        let endpoint = configuration.endpoint
        self.pool = ConnectionPool(
            configuration: ConnectionPoolConfiguration(maximumConnections: max(1, configuration.poolSize), acquireTimeout: configuration.acquireTimeout),
            isRetryable: { ($0 as? PostgresError)?.code == .connect },
            connect: {
                do {
                    return try await PostgresConnection.connect(configuration: configuration, threadPool: threadPool)
                } catch {
                    logger.debug("postgres connect failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
                    throw error
                }
            })
    }

    /// Waits for graceful shutdown (or cancellation), then closes the pool and the thread pool.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.shutdown()
    }

    /// Closes idle connections, fails waiting and later queries with `poolClosed`, and stops the threads. Idempotent.
    public func shutdown() async {
        let first = self.isShutDown.withLock { shutDown in
            defer { shutDown = true }
            return !shutDown
        }
        guard first else { return }
        self.pool.close()
        try? await self.threadPool.shutdownGracefully()
    }

    /// Open, idle and waiting counts of the pool.
    public var poolStatistics: ConnectionPool<PostgresConnection>.Statistics { self.pool.statistics }

    /// Runs one statement on a pooled connection and returns its rows.
    /// - Throws: ``PostgresError``.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a pooled connection and returns the number of rows it affected.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.withConnection { try await $0.execute(query) }
    }

    /// Leases a connection to `body` and returns it to the pool afterwards (closed instead if it broke, or if `body`
    /// left a transaction open).
    /// - Throws: `body`'s error, or ``PostgresError`` (`poolExhausted`, `poolClosed`, connect codes).
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection: PostgresConnection
        do {
            connection = try await self.pool.acquire()
        } catch let error as PoolError {
            throw PostgresError(error.code == .closed ? .poolClosed : .poolExhausted, message: error.description, endpoint: self.configuration.endpoint)
        }
        defer { self.pool.release(connection) }
        return try await body(connection)
    }

    /// Runs `body` in a transaction on one pooled connection: commits when it returns, rolls back when it throws.
    /// - Throws: `body`'s error, or ``PostgresError`` (`transactionAborted`, `server` from `COMMIT`, pool codes).
    public func withTransaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await self.withConnection { try await $0.withTransaction(body) }
    }
}
