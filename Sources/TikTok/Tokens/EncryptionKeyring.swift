import Crypto
import Foundation

/// The AES-256 keys tokens are encrypted with, parsed from `REELAY_ENCRYPTION_KEY`:
/// `k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>`. The **first** key encrypts; every listed key decrypts, so a
/// rotation is: generate a key, put it first, re-encrypt at leisure, then drop the old one. Key ids are 1–16 of
/// `a-z 0-9 _ -`. `description` lists key ids only.
public struct EncryptionKeyring: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The id of the key new ciphertexts use.
    public let currentKeyID: String
    /// Every key id, current first.
    public let keyIDs: [String]
    let keys: [String: SymmetricKey]

    /// Parses the setting's value.
    /// - Throws: ``TokenCipherError`` ``TokenCipherError/Code/invalidKeySetting``, naming the entry's position only.
    public init(parsing setting: String) throws(TokenCipherError) {
        var ids: [String] = []
        var keys: [String: SymmetricKey] = [:]
        let entries = setting.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw TokenCipherError(.invalidKeySetting, detail: "no key given; expected id:base64,…") }
        for (position, entry) in entries.enumerated() {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.isValidKeyID(parts[0]) else {
                throw TokenCipherError(.invalidKeySetting, detail: "entry \(position + 1) is not id:base64 with an id of 1-16 of a-z, 0-9, _ and -")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw TokenCipherError(.invalidKeySetting, detail: "key '\(parts[0])' is not base64 of exactly 32 bytes")
            }
            guard keys[parts[0]] == nil else { throw TokenCipherError(.invalidKeySetting, detail: "key id '\(parts[0])' is listed twice") }
            ids.append(parts[0])
            keys[parts[0]] = SymmetricKey(data: bytes)
        }
        self.currentKeyID = ids[0]
        self.keyIDs = ids
        self.keys = keys
    }

    /// A new random 256-bit key as a setting entry `id:<base64>`, to print once and put first in the setting.
    /// - Throws: ``TokenCipherError/Code/invalidKeySetting`` for a bad id.
    public static func generateKeyEntry(id: String) throws(TokenCipherError) -> String {
        guard Self.isValidKeyID(id) else { throw TokenCipherError(.invalidKeySetting, detail: "key id must be 1-16 of a-z, 0-9, _ and -") }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        return "\(id):\(encoded)"
    }

    /// 1 to 16 of `a-z 0-9 _ -`.
    public static func isValidKeyID(_ id: String) -> Bool {
        (1...16).contains(id.utf8.count)
            && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D }
    }

    public var description: String { "EncryptionKeyring(keys: \(self.keyIDs.joined(separator: ",")), current: \(self.currentKeyID))" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["keyIDs": self.keyIDs], displayStyle: .struct) }
}
