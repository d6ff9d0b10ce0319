/// Limits and timings of a ``ConnectionPool``.
public struct ConnectionPoolConfiguration: Sendable {
    /// The most connections open at once (leased, idle or being opened).
    public var maximumConnections: Int = 8
    /// How long ``ConnectionPool/acquire()`` waits for a free connection, or keeps retrying a failed connect, before giving up.
    public var acquireTimeout: Duration = .seconds(5)
    /// The first pause between two connect attempts; it doubles after each failure up to ``maximumConnectBackoff``.
    public var initialConnectBackoff: Duration = .milliseconds(50)
    /// The longest pause between two connect attempts.
    public var maximumConnectBackoff: Duration = .seconds(1)

    /// Defaults: 8 connections, 5 s acquire timeout, connect back-off from 50 ms to 1 s.
    public init() {}

    /// A configuration with the given size and acquire timeout, other values at their defaults.
    public init(maximumConnections: Int, acquireTimeout: Duration) {
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
    }
}
