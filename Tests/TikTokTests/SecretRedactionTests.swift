import Foundation
import TestSupport
import Testing
import TikTok

/// Secrets — client secret, tokens, upload credentials, encryption keys — never appear in descriptions, reflection,
/// errors or logs.
@Suite struct SecretRedactionTests {
    static let clientSecret = "test-client-secret-XYZ"

    static func printed(_ value: Any) -> String {
        var dumped = ""
        dump(value, to: &dumped)
        return "\(value)\n\(String(reflecting: value))\n\(dumped)"
    }

    @Test func configurationHidesTheClientSecret() {
        let configuration = TikTokConfiguration(clientKey: "key", clientSecret: Self.clientSecret, redirectURI: "https://r.example/cb")
        let text = Self.printed(configuration)
        #expect(!text.contains(Self.clientSecret))
        #expect(text.contains("<redacted>"))
    }

    @Test func grantsTicketsAndCachedTokensHideTheirTokens() {
        let grant = TokenGrant(accessToken: "act.TOPSECRET", expiresIn: 60, openID: "o", refreshToken: "rft.TOPSECRET", refreshExpiresIn: 60, scopes: [])
        let ticket = PublishTicket(publishID: "p", uploadURL: "https://upload.example/?upload_token=TOPSECRET")
        let cached = CachedAccessToken(accessToken: "act.TOPSECRET", openID: "o", expiresAt: Date())
        for value in [grant, ticket, cached] as [Any] { #expect(!Self.printed(value).contains("TOPSECRET")) }
    }

    @Test func keysNeverPrint() throws {
        let key = Data(repeating: 0x42, count: 32).base64EncodedString()
        let cipher = try TokenCipher(keySetting: "k1:\(key)")
        for value in [cipher, cipher.keyring] as [Any] {
            let text = Self.printed(value)
            #expect(!text.contains(key))
            #expect(!text.contains("66, 66, 66"), "no raw key bytes either")
        }
    }

    /// A failing call: neither the error nor the log lines hold the access token, the client secret or the reply body.
    @Test func failuresAndLogsHoldNoSecrets() async throws {
        let (logger, lines) = CapturingLogHandler.logger()
        let transport = FakeTransport(status: 401, json: #"{"error":"invalid_client","error_description":"bad","log_id":"L1","echo":"act.TOKEN-123"}"#)
        let configuration = TikTokConfiguration(clientKey: "k", clientSecret: Self.clientSecret, redirectURI: "https://r.example/cb")
        let client = TikTokClient(configuration: configuration, transport: transport, logger: logger)
        do {
            _ = try await client.refresh(refreshToken: "rft.REFRESH-456")
            Issue.record("refresh succeeded")
        } catch {
            for text in [Self.printed(error), lines.all] {
                for secret in [Self.clientSecret, "rft.REFRESH-456", "act.TOKEN-123"] { #expect(!text.contains(secret), "\(secret)") }
            }
            #expect(lines.all.contains("L1"), "the log id is logged")
        }
        let posting = TikTokClient(configuration: configuration, transport: FakeTransport(json: "garbage act.TOKEN-123"), logger: logger)
        do {
            _ = try await posting.creatorInfo(accessToken: "act.TOKEN-123")
            Issue.record("creatorInfo succeeded")
        } catch {
            #expect(!Self.printed(error).contains("act.TOKEN-123"))
            #expect(!lines.all.contains("act.TOKEN-123"))
        }
    }
}
