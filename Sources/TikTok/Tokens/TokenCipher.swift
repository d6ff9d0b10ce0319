import Crypto
import Foundation

/// Encrypts tokens for storage with AES-256-GCM.
///
/// Ciphertext format: `v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>` — a 12-byte random nonce and a 16-byte tag.
/// The optional `context` (for example the account id) is authenticated but not stored, so a ciphertext copied to
/// another account's record fails to decrypt. `description` never shows keys.
public struct TokenCipher: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The keys: the first encrypts, all decrypt.
    public let keyring: EncryptionKeyring

    /// The format version written in front of every ciphertext.
    public static let version = "v1"

    /// A cipher over `keyring`.
    public init(keyring: EncryptionKeyring) { self.keyring = keyring }

    /// A cipher over the keys of a `REELAY_ENCRYPTION_KEY` value.
    public init(keySetting: String) throws(TokenCipherError) { self.keyring = try EncryptionKeyring(parsing: keySetting) }

    /// Encrypts `plaintext` with the current key, binding it to `context`.
    public func encrypt(_ plaintext: String, context: String = "") throws(TokenCipherError) -> String {
        guard let key = self.keyring.keys[self.keyring.currentKeyID] else { throw TokenCipherError(.encryption) }
        do {
            let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8))
            guard let combined = box.combined else { throw TokenCipherError(.encryption) }
            return "\(Self.version):\(self.keyring.currentKeyID):\(combined.base64EncodedString())"
        } catch {
            throw TokenCipherError(.encryption)
        }
    }

    /// Decrypts a ciphertext made by ``encrypt(_:context:)`` with any key of the keyring and the same `context`.
    /// - Throws: ``TokenCipherError``: `malformedCiphertext`, `unknownKeyID`, `authenticationFailed`.
    public func decrypt(_ ciphertext: String, context: String = "") throws(TokenCipherError) -> String {
        let parts = ciphertext.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, let sealed = Data(base64Encoded: String(parts[2])), sealed.count >= 12 + 16 else {
            throw TokenCipherError(.malformedCiphertext, detail: "expected \(Self.version):<key id>:<base64>")
        }
        let keyID = String(parts[1])
        guard let key = self.keyring.keys[keyID] else {
            throw TokenCipherError(.unknownKeyID, detail: EncryptionKeyring.isValidKeyID(keyID) ? "key '\(keyID)' is not configured" : nil)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
            guard let text = String(data: plaintext, encoding: .utf8) else { throw TokenCipherError(.malformedCiphertext) }
            return text
        } catch {
            throw TokenCipherError(.authenticationFailed)
        }
    }

    /// The key id a ciphertext was made with, without decrypting it (for re-encryption sweeps after a rotation).
    public static func keyID(of ciphertext: String) -> String? {
        let parts = ciphertext.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version else { return nil }
        return String(parts[1])
    }

    public var description: String { "TokenCipher(\(self.keyring))" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["keyring": self.keyring], displayStyle: .struct) }
}
