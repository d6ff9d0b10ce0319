import Crypto

/// A Lua script run with `EVALSHA`: its source and SHA-1, computed locally the way Redis computes it.
///
/// ``RedisClient/evalSHA(_:keys:arguments:)`` sends only the SHA-1; when the server answers `NOSCRIPT` (first use,
/// after a restart or a `SCRIPT FLUSH`) the client sends `SCRIPT LOAD` with the source and runs the command again.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA-1 of ``source``, 40 lowercase hex digits, as `SCRIPT LOAD` returns it.
    public let sha1: String

    /// A script with its source; the SHA-1 (swift-crypto's `Insecure.SHA1`: a name for the script, not security) is
    /// computed here.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Self.hex(Insecure.SHA1.hash(data: Array(source.utf8)))
    }

    /// The digest as lowercase hex digits.
    private static func hex(_ digest: Insecure.SHA1Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(Insecure.SHA1Digest.byteCount * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
