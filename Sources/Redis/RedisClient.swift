public import Logging
import NIOCore
import NIOPosix
import Pooling
public import ServiceLifecycle
import Synchronization

/// A Redis client over hiredis. Ordinary commands share one event-loop connection (``RedisEventLoopConnection``): every
/// caller's commands are written into it as they arrive and replies are matched in order, parsed by hiredis's reader on
/// the event loop, with no hop to a blocking thread. Commands that block or change the connection's state
/// (``RedisCommand/mustRunAlone``) and ``withConnection(_:)`` bodies use a bounded pool of blocking hiredis
/// connections, and blocking commands a small pool of their own; their C calls run on a thread pool of the client's,
/// never on Swift's cooperative pool.
///
/// It is a `Service`: put it in the process's `ServiceGroup`; ``run()`` waits for graceful shutdown, then closes the pools
/// and stops the threads. Outside a group, call ``shutdown()`` when done. After a server restart the next command
/// succeeds: idle connections the server closed are noticed before use and replaced, and a command is never re-sent.
public final class RedisClient: Service, Sendable {
    /// What this client connects to, with its sizes and timeouts.
    public let configuration: RedisConfiguration
    let logger: Logger
    let threadPool: NIOThreadPool
    let pool: ConnectionPool<RedisConnectionHandle>
    let blockingPool: ConnectionPool<RedisConnectionHandle>
    private let isShutDown = Atomic<Bool>(false)
    /// Where ordinary commands go: one pipelined, non-blocking connection on an event loop.
    let connection: RedisEventLoopConnection
    /// The client's own event loop (one thread), so no other code on the process's shared loops can delay its replies.
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let loopExecutor: RedisEventLoopExecutor

    /// A client for `configuration`; it connects lazily, on the first command.
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "reelay.redis")) {
        self.configuration = configuration
        self.logger = logger
        let threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize + configuration.blockingPoolSize)
        threadPool.start()
        self.threadPool = threadPool
        let connect: ConnectionPool<RedisConnectionHandle>.Connect = {
            try await threadPool.runIfActive { () throws(RedisError) in try RedisConnectionHandle.connect(configuration) }
        }
        let isRetryable: ConnectionPool<RedisConnectionHandle>.IsRetryable = { ($0 as? RedisError)?.code == .connect }
        var poolConfiguration = ConnectionPoolConfiguration(maximumConnections: configuration.poolSize, acquireTimeout: configuration.acquireTimeout)
        self.pool = ConnectionPool(configuration: poolConfiguration, isRetryable: isRetryable, connect: connect)
        poolConfiguration.maximumConnections = configuration.blockingPoolSize
        self.blockingPool = ConnectionPool(configuration: poolConfiguration, isRetryable: isRetryable, connect: connect)
        self.eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = self.eventLoopGroup.next()
        self.connection = RedisEventLoopConnection(configuration: configuration, eventLoop: eventLoop)
        self.loopExecutor = RedisEventLoopExecutor(eventLoop: eventLoop)
    }

    /// A client for a `redis://` or `unix://` URL with default sizes and timeouts.
    /// - Throws: ``RedisError`` with ``RedisError/Code/invalidURL`` or ``RedisError/Code/unsupported``.
    public convenience init(url: String, logger: Logger = Logger(label: "reelay.redis")) throws(RedisError) {
        self.init(configuration: try RedisConfiguration(url: url), logger: logger)
    }

    /// Waits for graceful shutdown (or cancellation), then calls ``shutdown()``.
    public func run() async throws {
        self.logger.debug("redis client ready", metadata: ["redis.url": "\(self.configuration.redacted)"])
        try? await gracefulShutdown()
        await self.shutdown()
    }

    /// Closes both pools (commands in flight finish; new ones fail with ``RedisError/Code/poolClosed``) and stops the
    /// threads once the running commands returned. Blocking commands end within their timeout plus margin. Idempotent.
    public func shutdown() async {
        guard !self.isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await self.connection.close()
        self.pool.close()
        self.blockingPool.close()
        do {
            try await self.threadPool.shutdownGracefully()
            try await self.eventLoopGroup.shutdownGracefully()
        } catch {
            self.logger.warning("redis threads did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }

    /// The connection's event loop as a task executor. Code run with `withTaskExecutorPreference(client.taskExecutor)`
    /// (a worker's slots) sends its commands from the loop's own thread and is resumed there by their replies: no thread
    /// hop per command. Such code must not block the thread (blocking C calls go to a thread pool, as this client's do),
    /// or it delays every reply of the client. Jobs enqueued after ``shutdown()`` are not run.
    public var taskExecutor: any TaskExecutor { self.loopExecutor }

    // MARK: - Commands

    /// Sends one command and returns its reply.
    /// - Throws: ``RedisError``; an error reply is thrown as ``RedisError/Code/server`` with its ``RedisError/serverMessage``.
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        try await self.combined([command])[0].throwingServerError()
    }

    /// Sends one command given as strings (UTF-8), for example `try await client.send(["SET", key, value])`.
    public func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await self.send(RedisCommand(arguments))
    }

    /// Sends one command given as bytes (binary-safe).
    public func send(bytes arguments: [[UInt8]]) async throws(RedisError) -> RedisValue {
        try await self.send(RedisCommand(bytes: arguments))
    }

    /// Sends all commands, then reads all replies, in one round trip on one connection.
    ///
    /// An error reply is a ``RedisValue/error(_:)`` in its slot; only a failure of the connection throws. `EVALSHA`
    /// commands built with ``RedisCommand/evalSHA(_:keys:arguments:)`` that get `NOSCRIPT` are run again after
    /// `SCRIPT LOAD`: they had no effect the first time, but the re-run comes after the rest of the batch.
    /// - Returns: One reply per command, in order.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        return try await self.combined(commands)
    }

    /// ``pipeline(_:)-(RedisCommand)`` for commands given as strings.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisValue] {
        try await self.pipeline(commands.map(RedisCommand.init))
    }

    /// Runs a script by its SHA-1 (`EVALSHA`), loading it first if the server does not know it (`NOSCRIPT`).
    /// - Throws: ``RedisError``; a script error is thrown as ``RedisError/Code/server``.
    public func evalSHA(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws(RedisError) -> RedisValue {
        try await self.combined([.evalSHA(script, keys: keys, arguments: arguments)])[0].throwingServerError()
    }

    /// Leases one connection to `body`, which runs synchronously on a thread-pool thread with exclusive use of it:
    /// for batched hot paths that want no task hop per command. Do not keep the connection past `body`.
    public func withConnection<Result: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> Result) async throws -> Result {
        try await self.lease(on: self.pool) { handle in try body(RedisConnection(handle: handle)) }
    }

    // MARK: - Internals

    /// Runs `commands` in order, on the shared event-loop connection alongside other callers' commands; commands that
    /// block or change the connection's state go alone on a pooled connection. An `EVALSHA` that got `NOSCRIPT` had no
    /// effect: it runs again as `EVAL` with the script's source, after the rest of its request.
    func combined(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        if commands.contains(where: \.mustRunAlone) {
            return try await self.execute(on: self.pool) { handle throws(RedisError) in try handle.pipelineLoadingScripts(commands) }
        }
        var replies = try await self.connection.run(commands)
        let reload = ScriptReload(commands, replies: replies)
        guard !reload.isEmpty else { return replies }
        reload.merge(try await self.connection.run(reload.commands), into: &replies)
        return replies
    }

    /// Counts of the ordinary pool, for tests.
    var poolCounts: (open: Int, idle: Int) { (self.pool.statistics.open, self.pool.statistics.idle) }
    /// Callers waiting for a connection of the ordinary pool, for tests.
    var poolWaiting: Int { self.pool.statistics.waiting }
    /// Counts of the blocking pool, for tests.
    var blockingPoolCounts: (open: Int, idle: Int) { (self.blockingPool.statistics.open, self.blockingPool.statistics.idle) }

    /// Leases a connection from `pool` and runs `body` with it on the thread pool; every error becomes a ``RedisError``.
    func execute<Result: Sendable>(
        on pool: ConnectionPool<RedisConnectionHandle>,
        _ body: @escaping @Sendable (RedisConnectionHandle) throws(RedisError) -> Result
    ) async throws(RedisError) -> Result {
        do {
            return try await self.lease(on: pool) { handle throws in try body(handle) }
        } catch {
            throw RedisError.converting(error, closed: self.isShutDown.load(ordering: .relaxed))
        }
    }

    /// Leases a connection from `pool` and runs `body` with it on the thread pool; pool errors become ``RedisError``,
    /// errors of `body` pass through.
    ///
    /// Cancellation never leaves the connection half-used for its next user: a cancelled caller either gives it back
    /// untouched (the thread pool drops a work item cancelled before it starts) or waits until `body` has read every reply
    /// it asked for (a running work item is never abandoned). A `body` that failed on the socket (timeout, I/O, protocol)
    /// leaves the context in error, and the pool replaces such a connection instead of handing it out again.
    private func lease<Result: Sendable>(
        on pool: ConnectionPool<RedisConnectionHandle>,
        _ body: @escaping @Sendable (RedisConnectionHandle) throws -> Result
    ) async throws -> Result {
        let handle: RedisConnectionHandle
        do {
            handle = try await pool.acquire()
        } catch {
            throw RedisError.converting(error, closed: self.isShutDown.load(ordering: .relaxed))
        }
        defer { pool.release(handle) }
        do {
            return try await self.threadPool.runIfActive { try body(handle) }
        } catch is CancellationError {
            throw RedisError.converting(CancellationError(), closed: self.isShutDown.load(ordering: .relaxed))
        }
    }
}
