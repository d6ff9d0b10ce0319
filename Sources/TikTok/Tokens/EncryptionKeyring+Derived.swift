public import Crypto
import Foundation

extension EncryptionKeyring {
    /// A key for another purpose (signing media URLs, say) derived from the key `keyID` with HKDF-SHA256, so the
    /// process needs one secret only and the derived key reveals nothing of the encryption key. Nil for an unknown id.
    /// - Parameters:
    ///   - purpose: a fixed label, such as `reelay media-url v1`; different labels give unrelated keys.
    ///   - keyID: the key to derive from (``currentKeyID`` to make new values; every id of ``keyIDs`` to check old ones).
    public func derivedKey(purpose: String, keyID: String) -> SymmetricKey? {
        guard let key = self.keys[keyID] else { return nil }
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
    }
}
