import Foundation
import Testing
import TikTok

@testable import Reelay

@Suite struct TikTokSettingsTests {
    static let key = Data(repeating: 0x44, count: 32).base64EncodedString()

    @Test func defaultsPointAtTikTokWithNoCredentials() throws {
        let settings = try TikTokSettings(SettingSources(flags: [:], environment: [:], file: nil))
        #expect(settings.configuration.apiBaseURL == "https://open.tiktokapis.com")
        #expect(settings.configuration.authBaseURL == "https://www.tiktok.com")
        #expect(settings.configuration.clientSecret.isEmpty)
        #expect(settings.cipher == nil)
    }

    @Test func readsEverySetting() throws {
        let environment = [
            "REELAY_TIKTOK_API_URL": "http://127.0.0.1:8089/", "REELAY_TIKTOK_AUTH_URL": "http://127.0.0.1:8089",
            "REELAY_TIKTOK_CLIENT_KEY": "sandbox-client-key", "REELAY_TIKTOK_CLIENT_SECRET": "sandbox-client-secret",
            "REELAY_TIKTOK_REDIRECT_URI": "http://localhost:8080/oauth/callback", "REELAY_ENCRYPTION_KEY": "k2:\(Self.key)",
        ]
        let settings = try TikTokSettings(SettingSources(flags: [:], environment: environment, file: nil))
        #expect(settings.configuration.apiBaseURL == "http://127.0.0.1:8089")
        #expect(settings.configuration.clientKey == "sandbox-client-key")
        #expect(settings.configuration.clientSecret == "sandbox-client-secret")
        #expect(settings.configuration.redirectURI == "http://localhost:8080/oauth/callback")
        #expect(settings.cipher?.keyring.currentKeyID == "k2")
    }

    @Test(arguments: [
        ("REELAY_TIKTOK_API_URL", "ftp://x"), ("REELAY_TIKTOK_API_URL", "https://h/?q=1"), ("REELAY_TIKTOK_AUTH_URL", "nope"),
        ("REELAY_TIKTOK_REDIRECT_URI", "http://reelay.example/cb"), ("REELAY_TIKTOK_REDIRECT_URI", "https://r.example/cb#x"),
        ("REELAY_TIKTOK_CLIENT_KEY", "has space"), ("REELAY_TIKTOK_CLIENT_SECRET", "secret with space"),
        ("REELAY_ENCRYPTION_KEY", "k1:c2hvcnQ="), ("REELAY_ENCRYPTION_KEY", "justakey"),
    ])
    func badValuesNameTheirVariableAndHideSecrets(variable: String, value: String) {
        let sources = SettingSources(flags: [:], environment: [variable: value], file: nil)
        do {
            _ = try TikTokSettings(sources)
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.variable == variable)
            if SettingsCatalog.all.first(where: { $0.variable == variable })?.isSecret == true {
                #expect(!error.description.contains(value), "\(error)")
            }
        }
    }

    @Test func secretsAreMarkedAndRedacted() {
        #expect(SettingsCatalog.tiktokClientSecret.isSecret && SettingsCatalog.encryptionKey.isSecret)
        #expect(!SettingsCatalog.tiktokClientKey.isSecret)
        #expect(SettingsCatalog.encryptionKey.displayed("k1:\(Self.key)") == "<redacted>")
        #expect(SettingsCatalog.tiktokClientSecret.displayed("") == "<unset>")
        #expect(SettingsCatalog.tiktokAPIURL.displayed("https://x") == "https://x")
    }
}
