/// Why a token could not be encrypted or decrypted, or why the key setting is unusable. Never holds key material,
/// plaintext or ciphertext.
public struct TokenCipherError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable { case invalidKeySetting, unknownKeyID, malformedCiphertext, authenticationFailed, encryption }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// `REELAY_ENCRYPTION_KEY` is not `id:base64(32 bytes)[,id:base64(32 bytes)…]` with unique ids.
        public static let invalidKeySetting = Code(.invalidKeySetting)
        /// The ciphertext names a key id the keyring does not hold (removed too early after a rotation).
        public static let unknownKeyID = Code(.unknownKeyID)
        /// Not a `v1:<key id>:<base64>` string of a plausible length.
        public static let malformedCiphertext = Code(.malformedCiphertext)
        /// The AES-GCM tag did not verify: tampered data, wrong key, or another account's ciphertext.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// Sealing failed (should not happen).
        public static let encryption = Code(.encryption)
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A short explanation for operators (never secrets).
    public var detail: String?

    /// An error with its code and optional detail.
    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { self.detail.map { "TokenCipherError(\(self.code)): \($0)" } ?? "TokenCipherError(\(self.code))" }
}
