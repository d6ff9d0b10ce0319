import NIOCore
import NIOPosix
import Synchronization

/// The connection ordinary commands share: one non-blocking socket driven by a SwiftNIO event loop, with hiredis's
/// reader parsing the replies (``RedisPipelineHandler``).
///
/// A caller's commands are written into the connection as they arrive, whatever else is in flight, and its replies are
/// matched in order; the socket's I/O happens on the event loop itself, with no hop to a blocking thread. A caller that
/// is cancelled stops nobody: a request already written keeps its place and its replies are read (and dropped if nobody
/// waits); one not yet written fails alone with ``RedisError/Code/cancelled``.
///
/// It connects lazily and again after the connection failed (server restart, timeout): callers wait for the one
/// connect in progress, and a failed connect is retried with a short backoff until the caller's `acquireTimeout` runs
/// out. `AUTH` and `SELECT` are sent before any caller's command. A request the channel refused before writing any
/// byte (it was closing) is sent once more on the next connection; a request that may have reached the server is never
/// sent again.
final class RedisEventLoopConnection: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case ready(any Channel)
        case closed
    }

    private let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let state = Mutex(State.idle)
    /// Socket flushes so far (each carries every request written since the last one), for tests and benchmarks.
    let flushes = RedisCounter()
    /// Connections opened so far, for tests.
    let connects = RedisCounter()

    init(configuration: RedisConfiguration, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.eventLoop = eventLoop
    }

    /// Sends `commands` as one request and returns one reply per command (error replies in their slots).
    func run(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        let deadline = ContinuousClock.now + self.configuration.acquireTimeout
        var resent = false
        while true {
            if Task.isCancelled { throw self.isClosed ? Self.closedError : RedisError(.cancelled) }
            let channel = try await self.channel(until: deadline)
            let promise = channel.eventLoop.makePromise(of: [RedisValue].self)
            let request = RedisPipelineRequest(commands: commands, promise: promise)
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { _ in if !request.accepted { request.fail(RedisRequestNotSent()) } }
            channel.writeAndFlush(request, promise: written)
            do {
                return try await promise.futureResult.get()
            } catch is RedisRequestNotSent {
                // Refused before a byte was written: the connection is failing (it refuses every later request too,
                // even while its close is still under way). Once more on a new one.
                self.forget(channel, evenIfActive: true)
                if resent { throw RedisError(.io, endpoint: self.endpointText, detail: "the connection closed before the command was sent") }
                resent = true
            } catch let error as RedisError {
                self.forget(channel)
                throw error
            } catch {
                self.forget(channel)
                throw RedisError(.io, endpoint: self.endpointText, detail: "\(error)")
            }
        }
    }

    /// Lets the requests in flight finish, then closes the connection; later calls fail with ``RedisError/Code/poolClosed``.
    func close() async {
        let previous = self.state.withLock { state -> State in
            defer { state = .closed }
            return state
        }
        let channel: (any Channel)?
        switch previous {
        case .ready(let ready): channel = ready
        case .connecting(let future): channel = try? await future.get()
        case .idle, .closed: channel = nil
        }
        guard let channel else { return }
        channel.triggerUserOutboundEvent(RedisCloseWhenDrained(), promise: nil)
        try? await channel.closeFuture.get()
    }

    // MARK: - Connecting

    private var isClosed: Bool { self.state.withLock { if case .closed = $0 { true } else { false } } }
    private var endpointText: String { self.configuration.endpoint.description }
    private static var closedError: RedisError { RedisError(.poolClosed, detail: "the client is shut down") }

    /// The live channel, connecting (or waiting for the connect in progress) if there is none.
    private func channel(until deadline: ContinuousClock.Instant) async throws(RedisError) -> any Channel {
        var backoff = Duration.milliseconds(20)
        while true {
            let future = try self.state.withLock { state throws(RedisError) -> EventLoopFuture<any Channel> in
                switch state {
                case .closed:
                    throw Self.closedError
                case .ready(let channel) where channel.isActive:
                    return channel.eventLoop.makeSucceededFuture(channel)
                case .connecting(let future):
                    return future
                case .ready, .idle:
                    let future = self.connect()
                    state = .connecting(future)
                    future.whenComplete { result in self.connected(future, result) }
                    return future
                }
            }
            let error: RedisError
            do {
                return try await future.get()
            } catch let failure as RedisError {
                error = failure
            } catch let other {
                error = RedisError(.connect, endpoint: self.endpointText, detail: "\(other)")
            }
            // Only a server that cannot be reached yet is worth waiting for; a refused AUTH is final.
            guard error.code == .connect, ContinuousClock.now + backoff < deadline else { throw error }
            do {
                try await Task.sleep(for: backoff)
            } catch {
                throw self.isClosed ? Self.closedError : RedisError(.cancelled)
            }
            backoff = min(backoff * 2, .milliseconds(500))
        }
    }

    /// Records the outcome of the connect `future` (unless the state moved on meanwhile).
    private func connected(_ future: EventLoopFuture<any Channel>, _ result: Result<any Channel, any Error>) {
        let orphan = self.state.withLock { state -> (any Channel)? in
            guard case .connecting(let current) = state, current === future else {
                // Closed while connecting: the new channel has no users.
                if case .success(let channel) = result, case .closed = state { return channel }
                return nil
            }
            switch result {
            case .success(let channel): state = .ready(channel)
            case .failure: state = .idle
            }
            return nil
        }
        orphan?.close(promise: nil)
    }

    /// Forgets `channel` if it is the current one and no longer active (or known to be failing), so the next caller
    /// connects again.
    private func forget(_ channel: any Channel, evenIfActive: Bool = false) {
        guard evenIfActive || !channel.isActive else { return }
        self.state.withLock { state in
            if case .ready(let current) = state, current === channel { state = .idle }
        }
    }

    /// Opens a socket, installs the handler, and sends `AUTH` and `SELECT` when configured.
    private func connect() -> EventLoopFuture<any Channel> {
        let configuration = self.configuration
        let endpoint = self.endpointText
        let flushes = self.flushes
        self.connects.add()
        var bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisPipelineHandler(endpoint: endpoint, commandTimeout: configuration.commandTimeout, flushes: flushes))
                }
            }
        let connecting: EventLoopFuture<any Channel>
        switch configuration.endpoint {
        case .tcp(let host, let port):
            bootstrap = bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1)
            if configuration.keepAlive { bootstrap = bootstrap.channelOption(.socketOption(.so_keepalive), value: 1) }
            connecting = bootstrap.connect(host: host, port: port)
        case .unix(let path):
            connecting = bootstrap.connect(unixDomainSocketPath: path)
        }
        return connecting.flatMapErrorThrowing { error in
            throw RedisError(.connect, endpoint: endpoint, detail: "\(error)")
        }.flatMap { channel in
            Self.handshake(channel, configuration: configuration, endpoint: endpoint)
        }
    }

    /// Sends `AUTH` and `SELECT` (when configured) on a new channel; closes it if either is refused.
    private static func handshake(
        _ channel: any Channel, configuration: RedisConfiguration, endpoint: String
    ) -> EventLoopFuture<any Channel> {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            commands.append(RedisCommand(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password]))
        }
        if configuration.database != 0 { commands.append(RedisCommand(["SELECT", String(configuration.database)])) }
        guard !commands.isEmpty else { return channel.eventLoop.makeSucceededFuture(channel) }
        let promise = channel.eventLoop.makePromise(of: [RedisValue].self)
        channel.writeAndFlush(RedisPipelineRequest(commands: commands, promise: promise), promise: nil)
        let hasPassword = configuration.password != nil
        return promise.futureResult.flatMapThrowing { replies -> any Channel in
            for (index, reply) in replies.enumerated() {
                guard case .error(let message) = reply else { continue }
                if index == 0 && hasPassword { throw RedisError(.authentication, serverMessage: message, endpoint: endpoint) }
                throw RedisError(.server, serverMessage: message, endpoint: endpoint)
            }
            return channel
        }.flatMapErrorThrowing { error in
            channel.close(promise: nil)
            throw error
        }
    }
}

/// The event loop of a client's connection as a Swift `TaskExecutor`: code that prefers it runs on the loop's thread,
/// so its commands are written, and its replies resume it, without any hop between threads (see
/// ``RedisClient/taskExecutor``).
final class RedisEventLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
