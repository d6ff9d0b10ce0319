public import Crypto
public import Foundation
public import TikTok

/// Signs and checks the expiring download URLs workers without a shared volume fetch media from:
/// `GET <base>/media-files/<id>?expires=<unix seconds>&signature=<hex>`, where the signature is HMAC-SHA256 over
/// `"<id>\n<expires>"` (the id lowercase). Checking is constant-time; an expired URL never verifies.
public struct MediaURLSigner: Sendable {
    /// A signed download: the expiry (Unix seconds) and the signature (lowercase hex).
    public struct Signature: Sendable, Hashable {
        /// When the URL stops working, in seconds since 1970.
        public var expires: Int
        /// HMAC-SHA256, lowercase hex (64 characters).
        public var signature: String
    }

    /// The secret's bytes (kept as bytes: `SymmetricKey` is not `Sendable` in every swift-crypto release).
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: self.secret) }

    /// A signer with `secret` (at least 32 random bytes recommended; shared by every API process).
    public init(secret: SymmetricKey) { self.secret = secret.withUnsafeBytes { Array($0) } }

    /// A signer with the secret's bytes.
    public init(secret: some ContiguousBytes) { self.secret = secret.withUnsafeBytes { Array($0) } }

    /// Signs a download of `mediaID` valid until `expires` (rounded down to the second).
    public func sign(mediaID: UUID, expires: Date) -> Signature {
        let seconds = Int(expires.timeIntervalSince1970.rounded(.down))
        let code = HMAC<SHA256>.authenticationCode(for: Self.message(mediaID: mediaID, expires: seconds), using: self.key)
        return Signature(expires: seconds, signature: code.map { Self.hexDigits[Int($0 >> 4)] + Self.hexDigits[Int($0 & 0x0F)] }.joined())
    }

    /// True when `signature` signs `mediaID` until `expires` and `now` is before `expires`. The comparison is
    /// constant-time; a malformed signature (not 64 hex digits) is false.
    public func verify(mediaID: UUID, expires: Int, signature: String, now: Date) -> Bool {
        guard Double(expires) > now.timeIntervalSince1970, let bytes = Self.bytes(hex: signature), bytes.count == SHA256.byteCount else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Self.message(mediaID: mediaID, expires: expires), using: self.key)
    }

    /// The full download URL: `<base>/media-files/<id>?expires=…&signature=…` (`base` such as
    /// `https://reelay.example.com/api/v1`; a trailing `/` is dropped).
    public func url(base: String, mediaID: UUID, expires: Date) -> String {
        let signed = self.sign(mediaID: mediaID, expires: expires)
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return "\(trimmed)/media-files/\(mediaID.uuidString.lowercased())?expires=\(signed.expires)&signature=\(signed.signature)"
    }

    /// The HKDF purpose the signing keys are derived with from the encryption keyring.
    public static let purpose = "reelay media-url v1"

    /// Signs with a key derived from the keyring's current key (every API and scheduler process derives the same).
    public static func current(_ keyring: EncryptionKeyring) -> MediaURLSigner {
        MediaURLSigner(secret: keyring.derivedKey(purpose: Self.purpose, keyID: keyring.currentKeyID) ?? SymmetricKey(size: .bits256))
    }

    /// One verifier per key of the ring, so a key rotation does not break URLs already in queued jobs.
    public static func verifiers(_ keyring: EncryptionKeyring) -> [MediaURLSigner] {
        keyring.keyIDs.compactMap { keyring.derivedKey(purpose: Self.purpose, keyID: $0) }.map { MediaURLSigner(secret: $0) }
    }

    static func message(mediaID: UUID, expires: Int) -> Data {
        Data("\(mediaID.uuidString.lowercased())\n\(expires)".utf8)
    }

    private static let hexDigits = (0..<16).map { String($0, radix: 16) }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
