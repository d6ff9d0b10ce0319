import Pooling

/// Owns one hiredis context (one socket) and runs commands on it, blocking the calling thread.
///
/// `@unchecked Sendable`: the context is not thread-safe, but a ``ConnectionPool`` leases each handle to exactly one
/// task at a time, and that task only touches it from inside one thread-pool work item; `isReusable` and `close()` are
/// called by the pool only while the handle is not leased.
final class RedisConnectionHandle: PoolableConnection, @unchecked Sendable {
    /// The hiredis context; `nil` once closed. Only `RedisConnectionHandle+C.swift` looks inside it.
    var context: OpaquePointer?
    /// What errors name: `host:port` or the socket path.
    let endpoint: String
    /// The socket read timeout in force, so blocking commands change it only when needed.
    var readTimeout: Duration

    init(context: OpaquePointer, endpoint: String, readTimeout: Duration) {
        self.context = context
        self.endpoint = endpoint
        self.readTimeout = readTimeout
    }

    deinit { self.free() }

    /// Connects, turns keepalive on, authenticates and selects the database; throws a ``RedisError`` naming the endpoint.
    static func connect(_ configuration: RedisConfiguration) throws(RedisError) -> RedisConnectionHandle {
        let handle = try Self.open(configuration)
        if let password = configuration.password {
            var auth = ["AUTH"]
            if let username = configuration.username { auth.append(username) }
            auth.append(password)
            let reply = try handle.roundTrip(RedisCommand(auth))
            if case .error(let message) = reply {
                throw RedisError(.authentication, serverMessage: message, endpoint: handle.endpoint)
            }
        }
        if configuration.database != 0 {
            _ = try handle.roundTrip(RedisCommand(["SELECT", String(configuration.database)])).throwingServerError()
        }
        return handle
    }

    /// Sends one command and reads its reply; an error reply is returned as ``RedisValue/error(_:)``.
    func roundTrip(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        try self.append(command)
        return try self.readReply()
    }

    /// Sends every command, then reads every reply, in order: one round trip. Error replies stay in their slots.
    func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        for command in commands { try self.append(command) }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try self.readReply()) }
        return replies
    }

    /// Runs an `EVALSHA` (or a pipeline holding some) and runs each command that got `NOSCRIPT` again as `EVAL` with
    /// the script's source. A `NOSCRIPT` command had no effect, so this re-sends nothing that ran; and `EVAL` does not
    /// depend on the script cache, so a `SCRIPT FLUSH` from another client cannot make the retry fail too.
    func pipelineLoadingScripts(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        var replies = try self.pipeline(commands)
        let reload = ScriptReload(commands, replies: replies)
        guard !reload.isEmpty else { return replies }
        reload.merge(try self.pipeline(reload.commands), into: &replies)
        return replies
    }

    var isReusable: Bool { self.isHealthy }

    func close() { self.free() }
}
