public import Foundation
import Crypto

/// Makes API keys and hashes them. A key reads `rly_<10 characters>_<64 hex digits>`: the part before the second `_`
/// is its public prefix (stored, shown in lists and logs); only a SHA-256 of the whole key is stored.
public enum APIKeyMinter {
    /// A new key: the full secret (shown once), its prefix and its hash.
    public static func mint() -> (key: String, prefix: String, hash: Data) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        let prefix = "rly_" + String((0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let key = prefix + "_" + secret
        return (key, prefix, Self.hash(key))
    }

    /// SHA-256 of a presented key.
    public static func hash(_ key: String) -> Data {
        Data(SHA256.hash(data: Data(key.utf8)))
    }

    /// Whether `key` has the shape of a Reelay key (checked before any lookup, so junk costs no database call).
    public static func isWellFormed(_ key: String) -> Bool {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "rly" && parts[1].count == 10 && parts[2].count == 64
            && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && parts[2].allSatisfy { $0.isHexDigit }
    }
}
