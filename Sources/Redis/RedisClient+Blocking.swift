extension RedisClient {
    /// Runs a blocking command (`BLMOVE`, `BRPOP`, `BLPOP`, `BLMPOP`, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP`, `BRPOPLPUSH`,
    /// `XREAD … BLOCK`, `XREADGROUP … BLOCK`) on a connection of the blocking pool, so it never holds up ordinary commands.
    ///
    /// The server-side timeout must be above 0 and at most 2 s, so a worker notices shutdown promptly; the socket read
    /// timeout is set to it plus ``RedisConfiguration/blockingReadMargin``. A timeout with nothing to pop returns ``RedisValue/null``.
    /// - Throws: ``RedisError/Code/invalidArgument`` for an infinite (0), too long or missing timeout, or a command that
    ///   is not a known blocking one; otherwise as ``send(_:)-(RedisCommand)``.
    public func blocking(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        let serverTimeout = try Self.blockingTimeout(of: command)
        let readTimeout = serverTimeout + self.configuration.blockingReadMargin
        return try await self.execute(on: self.blockingPool) { handle throws(RedisError) in
            try handle.setReadTimeout(readTimeout)
            return try handle.roundTrip(command).throwingServerError()
        }
    }

    /// ``blocking(_:)-(RedisCommand)`` for a command given as strings: `client.blocking(["BLMOVE", a, b, "RIGHT", "LEFT", "2"])`.
    public func blocking(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await self.blocking(RedisCommand(arguments))
    }

    /// The server-side timeout a blocking command asks for, checked against the 2 s limit.
    static func blockingTimeout(of command: RedisCommand) throws(RedisError) -> Duration {
        guard command.count > 0 else { throw RedisError(.invalidArgument, detail: "empty command") }
        let name = command.text(at: 0).uppercased()
        let timeout: Duration
        switch name {
        case "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX":
            guard command.count >= 3 else { throw RedisError(.invalidArgument, detail: "\(name) needs a timeout") }
            timeout = try Self.seconds(command.text(at: command.count - 1), name: name)
        case "BLMPOP", "BZMPOP":
            guard command.count >= 2 else { throw RedisError(.invalidArgument, detail: "\(name) needs a timeout") }
            timeout = try Self.seconds(command.text(at: 1), name: name)
        case "XREAD", "XREADGROUP":
            timeout = try Self.blockOption(of: command, name: name)
        default:
            throw RedisError(.invalidArgument, detail: "\(name) is not a blocking command; use send")
        }
        guard timeout > .zero else {
            throw RedisError(.invalidArgument, detail: "\(name) with timeout 0 blocks forever; use at most 2 s")
        }
        guard timeout <= RedisConfiguration.maximumBlockingTimeout else {
            throw RedisError(.invalidArgument, detail: "\(name) timeout \(timeout) is above the 2 s limit")
        }
        return timeout
    }

    /// The `BLOCK milliseconds` option of `XREAD`/`XREADGROUP`, looked for before `STREAMS`.
    private static func blockOption(of command: RedisCommand, name: String) throws(RedisError) -> Duration {
        var index = 1
        while index < command.count {
            let word = command.text(at: index).uppercased()
            if word == "STREAMS" { break }
            if word == "BLOCK", index + 1 < command.count {
                guard let milliseconds = Int64(command.text(at: index + 1)), milliseconds >= 0 else {
                    throw RedisError(.invalidArgument, detail: "\(name) BLOCK needs whole milliseconds")
                }
                return .milliseconds(milliseconds)
            }
            index += 1
        }
        throw RedisError(.invalidArgument, detail: "\(name) without BLOCK does not block; use send")
    }

    private static func seconds(_ text: String, name: String) throws(RedisError) -> Duration {
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
            throw RedisError(.invalidArgument, detail: "\(name) timeout must be a number of seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }
}
