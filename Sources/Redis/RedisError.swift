import Pooling

/// Why a Redis operation failed.
///
/// `description` is one generic line, the code only, so it can cross a boundary (into an outer error, a log line at
/// info, an HTTP problem): the server's message, the endpoint, replies, keys, arguments and any other detail are only
/// in ``debugDescription``. No text ever contains a password.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable error code: compare against the static members, never against text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidURL, connect, authentication, io, timeout, `protocol`, server, typeMismatch
            case poolExhausted, poolClosed, unsupported, invalidArgument, cancelled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL could not be parsed.
        public static let invalidURL = Code(.invalidURL)
        /// The server could not be reached (refused, unreachable, connect timed out); the pool retries these.
        public static let connect = Code(.connect)
        /// The server rejected the credentials (`AUTH`), or a command was sent without them (`NOAUTH`); never retried.
        public static let authentication = Code(.authentication)
        /// Reading or writing the socket failed, or the server closed the connection.
        public static let io = Code(.io)
        /// No reply came within the command timeout (or the blocking command's timeout plus its margin).
        public static let timeout = Code(.timeout)
        /// The reply could not be parsed.
        public static let `protocol` = Code(.protocol)
        /// The server answered with an error reply; its text is in ``RedisError/serverMessage``.
        public static let server = Code(.server)
        /// A reply had another type than the one asked for.
        public static let typeMismatch = Code(.typeMismatch)
        /// Every pooled connection stayed busy for the whole acquire timeout.
        public static let poolExhausted = Code(.poolExhausted)
        /// The client was shut down.
        public static let poolClosed = Code(.poolClosed)
        /// A feature this client does not offer (for example TLS, `rediss://`).
        public static let unsupported = Code(.unsupported)
        /// A command argument was refused before sending (for example a blocking timeout above 2 s).
        public static let invalidArgument = Code(.invalidArgument)
        /// The calling task was cancelled before the command ran.
        public static let cancelled = Code(.cancelled)

        /// The code's name, for example `server`.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The server's error reply (`WRONGTYPE …`, `NOSCRIPT …`) for ``Code/server`` and ``Code/authentication``.
    public var serverMessage: String?
    /// The endpoint (`host:port` or a socket path) for connect errors; never credentials.
    public var endpoint: String?
    /// Further detail for logs (the socket error, the URL problem); never credentials.
    public var detail: String?

    /// An error with its code and optional context.
    public init(_ code: Code, serverMessage: String? = nil, endpoint: String? = nil, detail: String? = nil) {
        self.code = code
        self.serverMessage = serverMessage
        self.endpoint = endpoint
        self.detail = detail
    }

    /// One generic line, the code only: `RedisError(code: server)`.
    public var description: String { "RedisError(code: \(self.code))" }

    /// The code with all detail: endpoint, server message and the underlying problem.
    public var debugDescription: String {
        var parts = ["code: \(self.code)"]
        if let endpoint = self.endpoint { parts.append("endpoint: \(endpoint)") }
        if let message = self.serverMessage { parts.append("server: \(message)") }
        if let detail = self.detail { parts.append("detail: \(detail)") }
        return "RedisError(\(parts.joined(separator: ", ")))"
    }
}

extension RedisError {
    /// The error for a server error reply, with `NOAUTH`/`WRONGPASS` classed as ``Code/authentication``.
    static func server(_ message: String) -> RedisError {
        let isAuth = message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") || message.hasPrefix("ERR invalid password")
            || message.hasPrefix("ERR AUTH")
        return RedisError(isAuth ? .authentication : .server, serverMessage: message)
    }

    /// Converts any error met at the client boundary (pool, thread pool, cancellation) into a ``RedisError``.
    static func converting(_ error: any Error, closed: Bool) -> RedisError {
        switch error {
        case let error as RedisError: return error
        case let error as PoolError:
            switch error.code {
            case .exhausted: return RedisError(.poolExhausted, detail: error.description)
            case .closed: return RedisError(.poolClosed, detail: error.description)
            }
        case is CancellationError:
            return closed ? RedisError(.poolClosed, detail: "the client is shut down") : RedisError(.cancelled)
        default:
            return RedisError(.io, detail: String(describing: type(of: error)))
        }
    }
}
