/// Why a ``ConnectionPool`` could not hand out a connection. Connect failures are not wrapped:
/// the driver's own error (with its own code) is rethrown as it is.
public struct PoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// Every connection stayed busy for the whole acquire timeout.
        case exhausted
        /// The pool was closed (the process is shutting down).
        case closed
    }

    /// What went wrong.
    public var code: Code
    /// Pool size, for the message.
    public var maximumConnections: Int
    /// The acquire timeout, for the message.
    public var timeout: Duration

    /// A pool error with its context.
    public init(_ code: Code, maximumConnections: Int, timeout: Duration) {
        self.code = code
        self.maximumConnections = maximumConnections
        self.timeout = timeout
    }

    public var description: String {
        switch self.code {
        case .exhausted:
            "all \(self.maximumConnections) pooled connections stayed busy for \(self.timeout); raise the pool size or lower the load"
        case .closed:
            "the connection pool is closed"
        }
    }
}
