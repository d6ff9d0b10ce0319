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

/// The commands of one request that got `NOSCRIPT` (their script was not cached on the server), to run again as `EVAL`
/// with the script's source. A `NOSCRIPT` reply means the command had no effect, so running it again is safe. The one
/// helper behind both request paths: the event-loop connection's and a pooled blocking connection's.
struct ScriptReload {
    /// Where each command to run again sits in the request.
    private(set) var slots: [Int] = []
    /// The same commands, as `EVAL` with the source.
    private(set) var commands: [RedisCommand] = []

    /// Picks the commands of `request` whose reply in `replies` is a `NOSCRIPT` error.
    init(_ request: [RedisCommand], replies: [RedisValue]) {
        for (index, reply) in zip(request.indices, replies) {
            guard let message = reply.errorMessage, message.hasPrefix("NOSCRIPT"), let eval = request[index].asEvalWithSource else { continue }
            self.slots.append(index)
            self.commands.append(eval)
        }
    }

    /// Whether nothing needs to run again.
    var isEmpty: Bool { self.slots.isEmpty }

    /// Puts the replies of the commands run again (in ``commands``' order) in their slots of `replies`.
    func merge(_ again: [RedisValue], into replies: inout [RedisValue]) {
        for (slot, reply) in zip(self.slots, again) { replies[slot] = reply }
    }
}
