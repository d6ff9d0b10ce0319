import Foundation
import Testing
import TikTok

@Suite struct TokenCipherTests {
    static let k1 = "k1:" + Data(repeating: 0x11, count: 32).base64EncodedString()
    static let k2 = "k2:" + Data(repeating: 0x22, count: 32).base64EncodedString()

    @Test func roundTrips() throws {
        let cipher = try TokenCipher(keySetting: Self.k1)
        let sealed = try cipher.encrypt("act.secret-token", context: "account-a")
        #expect(sealed.hasPrefix("v1:k1:"))
        #expect(!sealed.contains("act.secret-token"))
        #expect(try cipher.decrypt(sealed, context: "account-a") == "act.secret-token")
        #expect(try cipher.encrypt("act.secret-token") != cipher.encrypt("act.secret-token"), "a fresh nonce each time")
        #expect(TokenCipher.keyID(of: sealed) == "k1")
    }

    /// Rotation: the new key goes first and encrypts; ciphertexts of the old key still decrypt.
    @Test func oldCiphertextsDecryptAfterRotation() throws {
        let before = try TokenCipher(keySetting: Self.k1)
        let old = try before.encrypt("act.old")
        let after = try TokenCipher(keySetting: "\(Self.k2), \(Self.k1)")
        #expect(after.keyring.currentKeyID == "k2" && after.keyring.keyIDs == ["k2", "k1"])
        #expect(try after.decrypt(old) == "act.old")
        #expect(try after.encrypt("act.new").hasPrefix("v1:k2:"))
        let retired = try TokenCipher(keySetting: Self.k2)
        #expect { try retired.decrypt(old) } throws: { ($0 as? TokenCipherError)?.code == .unknownKeyID }
    }

    @Test func tamperingFails() throws {
        let cipher = try TokenCipher(keySetting: Self.k1)
        let sealed = try cipher.encrypt("act.value", context: "account-a")
        var bytes = Data(base64Encoded: String(sealed.split(separator: ":")[2]))!
        bytes[bytes.count / 2] ^= 0x01
        let tampered = "v1:k1:" + bytes.base64EncodedString()
        #expect { try cipher.decrypt(tampered, context: "account-a") } throws: { ($0 as? TokenCipherError)?.code == .authenticationFailed }
        #expect { try cipher.decrypt(sealed, context: "account-b") } throws: { ($0 as? TokenCipherError)?.code == .authenticationFailed }
        for garbage in ["", "v1:k1", "v2:k1:AAAA", "v1:k1:not base64!", "v1:k1:" + Data(count: 10).base64EncodedString()] {
            #expect(throws: TokenCipherError.self, "\(garbage)") { try cipher.decrypt(garbage) }
        }
        #expect { try cipher.decrypt("v1:k9:" + bytes.base64EncodedString()) } throws: { ($0 as? TokenCipherError)?.code == .unknownKeyID }
    }

    @Test(arguments: [
        "", "k1", "k1:", "K1:" + Data(count: 32).base64EncodedString(), "k1:" + Data(count: 16).base64EncodedString(),
        "k1:!!!", "k1:\(Data(count: 32).base64EncodedString()),k1:\(Data(count: 32).base64EncodedString())",
        "averyveryverylongkeyid:" + Data(count: 32).base64EncodedString(),
    ])
    func rejectsBadKeySettings(setting: String) {
        #expect { try EncryptionKeyring(parsing: setting) } throws: { ($0 as? TokenCipherError)?.code == .invalidKeySetting }
    }

    @Test func badKeySettingErrorsNeverShowTheKey() {
        let secret = Data(repeating: 0x5A, count: 31).base64EncodedString()
        do {
            _ = try EncryptionKeyring(parsing: "k1:\(secret)")
            Issue.record("a 31-byte key was accepted")
        } catch {
            #expect(!"\(error)".contains(secret))
        }
    }

    @Test func generatesUsableKeys() throws {
        let entry = try EncryptionKeyring.generateKeyEntry(id: "k3")
        #expect(entry.hasPrefix("k3:"))
        let cipher = try TokenCipher(keySetting: "\(entry),\(Self.k1)")
        #expect(try cipher.decrypt(cipher.encrypt("x")) == "x")
        #expect(try EncryptionKeyring.generateKeyEntry(id: "k3") != entry)
        #expect(throws: TokenCipherError.self) { try EncryptionKeyring.generateKeyEntry(id: "Bad Id") }
    }
}
