/// A connection a ``ConnectionPool`` can hand out, take back and close.
///
/// Conformers are driver-owned classes that wrap one C handle; the pool leases each one to exactly one task at a time.
public protocol PoolableConnection: AnyObject, Sendable {
    /// `false` once the connection is known to be unusable (broken socket, protocol error, peer closed it, left in a
    /// transaction); asked each time the pool is about to hand the connection out, which then closes it and opens
    /// another instead. Must not block.
    var isReusable: Bool { get }

    /// Frees the underlying handle. Called once, by the pool, when the connection leaves it.
    func close()
}
