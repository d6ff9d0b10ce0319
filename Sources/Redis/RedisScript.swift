/// A Lua script run with `EVALSHA`: its source and SHA-1, computed locally the way Redis computes it.
///
/// ``RedisClient/evalSHA(_:keys:arguments:)`` sends only the SHA-1; when the server answers `NOSCRIPT` (first use,
/// after a restart or a `SCRIPT FLUSH`) the client sends `SCRIPT LOAD` with the source and runs the command again.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA-1 of ``source``, 40 lowercase hex digits, as `SCRIPT LOAD` returns it.
    public let sha1: String

    /// A script with its source; the SHA-1 is computed here.
    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hex(Array(source.utf8))
    }
}
