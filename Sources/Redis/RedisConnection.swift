/// Exclusive, synchronous use of one pooled connection inside ``RedisClient/withConnection(_:)``.
///
/// Every method blocks the calling thread, which is a thread of the client's own thread pool, never the cooperative
/// pool. Not `Sendable` and valid only during the body it was handed to.
public struct RedisConnection {
    let handle: RedisConnectionHandle

    init(handle: RedisConnectionHandle) {
        self.handle = handle
    }

    /// Sends one command and returns its reply.
    /// - Throws: ``RedisError``; an error reply is thrown as ``RedisError/Code/server``.
    public func send(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        try self.handle.roundTrip(command).throwingServerError()
    }

    /// Sends one command given as strings (UTF-8).
    public func send(_ arguments: [String]) throws(RedisError) -> RedisValue {
        try self.send(RedisCommand(arguments))
    }

    /// Sends all commands, then reads all replies, in one round trip; error replies stay in their slots, and `EVALSHA`
    /// commands that get `NOSCRIPT` are loaded and run again, as ``RedisClient/pipeline(_:)-(RedisCommand)`` does.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        try self.handle.pipelineLoadingScripts(commands)
    }

    /// Runs a script by its SHA-1, loading it first if the server does not know it.
    public func evalSHA(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) throws(RedisError) -> RedisValue {
        try self.handle.pipelineLoadingScripts([.evalSHA(script, keys: keys, arguments: arguments)])[0].throwingServerError()
    }
}
