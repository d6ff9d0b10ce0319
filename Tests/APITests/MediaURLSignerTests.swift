@testable import Publishing
import Crypto
import Foundation
import Testing

/// Signed, expiring download URLs: a signature verifies only for its id and expiry, with its secret, before expiry.
@Suite struct MediaURLSignerTests {
    let signer = MediaURLSigner(secret: SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8)))
    let id = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func aSignatureRoundTrips() {
        let signed = self.signer.sign(mediaID: self.id, expires: self.now.addingTimeInterval(600.7))
        #expect(signed.expires == 1_780_000_600)
        #expect(signed.signature.count == 64)
        // The documented message: "<id lowercase>\n<expires>".
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data("6f9619ff-8b86-d011-b42d-00c04fc964ff\n1780000600".utf8), using: SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8)))
        #expect(signed.signature == expected.map { String(format: "%02x", $0) }.joined())
        #expect(self.signer.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature, now: self.now))
        #expect(self.signer.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature.uppercased(), now: self.now))
    }

    @Test func anythingTamperedFails() {
        let signed = self.signer.sign(mediaID: self.id, expires: self.now.addingTimeInterval(600))
        var flipped = Array(signed.signature)
        flipped[10] = flipped[10] == "0" ? "1" : "0"
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: String(flipped), now: self.now))
        #expect(!self.signer.verify(mediaID: UUID(), expires: signed.expires, signature: signed.signature, now: self.now))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires + 1, signature: signed.signature, now: self.now))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: String(signed.signature.dropLast(2)), now: self.now))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: "zz" + signed.signature.dropFirst(2), now: self.now))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: "", now: self.now))
        let other = MediaURLSigner(secret: Array("another secret, also 32 bytes ok".utf8))
        #expect(!other.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature, now: self.now))
    }

    @Test func anExpiredURLFails() {
        let signed = self.signer.sign(mediaID: self.id, expires: self.now.addingTimeInterval(60))
        #expect(self.signer.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature, now: self.now.addingTimeInterval(59)))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature, now: self.now.addingTimeInterval(60)))
        #expect(!self.signer.verify(mediaID: self.id, expires: signed.expires, signature: signed.signature, now: self.now.addingTimeInterval(86_400)))
    }

    @Test func theURLCarriesWhatTheRouteChecks() throws {
        let url = self.signer.url(base: "https://reelay.example.com/api/v1/", mediaID: self.id, expires: self.now.addingTimeInterval(600))
        let components = try #require(URLComponents(string: url))
        #expect(components.path == "/api/v1/media-files/6f9619ff-8b86-d011-b42d-00c04fc964ff")
        let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        let expires = try #require(query["expires"].flatMap(Int.init))
        #expect(self.signer.verify(mediaID: self.id, expires: expires, signature: query["signature"] ?? "", now: self.now))
    }
}
