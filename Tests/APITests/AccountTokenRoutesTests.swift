import Domain
import Foundation
import Logging
import NIOHTTP1
import Postgres
import Redis
import TestSupport
import Testing
import TikTok
import TikTokSandbox

@testable import API

/// The OAuth connect flow, `POST /accounts/{id}/check` and `/refresh` against the TikTok sandbox: tokens sealed in
/// PostgreSQL, then put in the workers' cache; a refresh TikTok refuses turns the account `needs_reauth`.
@Suite struct AccountTokenRoutesTests {
    /// The sandbox runs in this process; the API's redirect URI names a placeholder host that the test rewrites to the
    /// harness's real address (the sandbox only checks the URI is the same at authorize and token time).
    static func withSandboxAPI(_ body: (APIHarness, String) async throws -> Void) async throws {
        var configuration = SandboxConfiguration()
        configuration.seedsDemoCreator = false
        var logger = Logger(label: "sandbox")
        logger.logLevel = .warning
        let sandbox = SandboxServer(configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run() }
            defer { group.cancelAll() }
            let sandboxURL = "http://127.0.0.1:\(try await sandbox.listeningPort())"
            var tiktok = TikTokConfiguration()
            tiktok.apiBaseURL = sandboxURL
            tiktok.authBaseURL = sandboxURL
            tiktok.clientKey = configuration.clientKey
            tiktok.clientSecret = configuration.clientSecret
            tiktok.redirectURI = Self.placeholder + "/oauth/tiktok/callback"
            try await withAPI(tiktok: tiktok) { api in try await body(api, sandboxURL) }
        }
    }

    static let placeholder = "http://127.0.0.1:9"

    /// Connects a new sandbox creator through the routes; answers the account's JSON and the creator's open_id.
    static func connect(_ api: APIHarness, sandboxURL: String, key: String) async throws -> (account: [String: Any], openID: String) {
        let creator = try await api.sendRaw(.POST, sandboxURL + "/_sandbox/creators", body: Data(#"{"nickname": "Token Test"}"#.utf8), contentType: "application/json")
        let openID = try #require((try JSONSerialization.jsonObject(with: creator.body) as? [String: Any])?["open_id"] as? String)
        let connect = try await api.send(.POST, "/api/v1/accounts/connect", key: key, json: "{}")
        #expect(connect.status == 201)
        let authorize = try #require(connect.body["authorize_url"] as? String)
        let state = try #require(connect.body["state"] as? String)
        #expect(authorize.contains("state=\(state)"))
        let consent = try await api.sendRaw(.GET, authorize + "&sandbox_open_id=" + openID)
        let location = try #require(consent.headers.first(name: "Location"))
        let callback = try await api.send(.GET, location.replacingOccurrences(of: Self.placeholder, with: api.baseURL))
        #expect(callback.status == 200)
        return (callback.body, openID)
    }

    @Test func aConnectedAccountChecksRefreshesAndTurnsNeedsReauthWhenTikTokRefuses() async throws {
        try await Self.withSandboxAPI { api, sandboxURL in
            let editor = try await api.key(.editor)
            let (account, openID) = try await Self.connect(api, sandboxURL: sandboxURL, key: editor)
            let id = try #require(account["id"] as? String)
            #expect(account["status"] as? String == "active")
            #expect((account["creator_info"] as? [String: Any])?["creator_nickname"] as? String == "Token Test")
            // Sealed at rest: the ciphertext is not the token the workers' cache hands out.
            let cached = try #require(try await TokenCache(redis: api.redis, cipher: Self.cipher).get(account: id))
            let uuid = try #require(UUID(uuidString: id))
            let row = try #require(try await api.postgres.query("SELECT access_token_ciphertext FROM accounts WHERE id = \(uuid)").first)
            let sealed = try row.decode("access_token_ciphertext", as: Data.self)
            #expect(!sealed.isEmpty)
            #expect(!String(decoding: sealed, as: UTF8.self).contains(cached.accessToken))

            let check = try await api.send(.POST, "/api/v1/accounts/\(id)/check", key: editor)
            #expect(check.status == 200)
            #expect(check.body["token_valid"] as? Bool == true)
            #expect(check.body["can_post_now"] as? Bool == true)

            // A refresh replaces the pair: the workers' cache holds the new access token.
            let refreshed = try await api.send(.POST, "/api/v1/accounts/\(id)/refresh", key: editor)
            #expect(refreshed.status == 200)
            let after = try #require(try await TokenCache(redis: api.redis, cipher: Self.cipher).get(account: id))
            #expect(after.accessToken != cached.accessToken)
            // Two refreshes at once: one runs, the other reads its outcome; both succeed.
            async let first = api.send(.POST, "/api/v1/accounts/\(id)/refresh", key: editor)
            async let second = api.send(.POST, "/api/v1/accounts/\(id)/refresh", key: editor)
            #expect(try await [first.status, second.status] == [200, 200])

            // TikTok refuses the refresh token: the account needs reauthorization and workers lose the token.
            let fault = try await api.sendRaw(
                .POST, sandboxURL + "/_sandbox/faults",
                body: Data(#"{"endpoint": "token", "force_error": {"open_id": "\#(openID)", "code": "invalid_grant"}}"#.utf8), contentType: "application/json")
            #expect((200...299).contains(fault.status))
            let refused = try await api.send(.POST, "/api/v1/accounts/\(id)/refresh", key: editor)
            #expect(refused.status == 409)
            #expect((refused.body["error"] as? [String: Any])?["code"] as? String == "needs_reauth")
            let reloaded = try await api.send(.GET, "/api/v1/accounts/\(id)", key: editor)
            #expect(reloaded.body["status"] as? String == "needs_reauth")
            #expect((reloaded.body["status_reason"] as? String)?.contains("invalid_grant") == true)
            #expect(try await TokenCache(redis: api.redis, cipher: Self.cipher).get(account: id) == nil)

            // Viewers cannot refresh; unknown and malformed ids are 404 and 400.
            let viewer = try await api.key(.viewer)
            #expect(try await api.send(.POST, "/api/v1/accounts/\(id)/refresh", key: viewer).status == 403)
            #expect(try await api.send(.POST, "/api/v1/accounts/\(UUID().uuidString)/check", key: editor).status == 404)
            #expect(try await api.send(.POST, "/api/v1/accounts/nope/check", key: editor).status == 400)
        }
    }

    /// A reconnect is what a `needs_reauth` hold waits for: it lifts it, so the account's posts run again without
    /// waiting out the day. A `cooldown` (TikTok's own limit) stays whatever the owner does.
    @Test func reconnectingLiftsANeedsReauthHoldButNotACooldown() async throws {
        try await Self.withSandboxAPI { api, sandboxURL in
            let editor = try await api.key(.editor)
            let (account, openID) = try await Self.connect(api, sandboxURL: sandboxURL, key: editor)
            let id = try #require(account["id"] as? String)
            let holds = AccountHolds(redis: api.redis)
            func reconnect() async throws {
                let connect = try await api.send(.POST, "/api/v1/accounts/connect", key: editor, json: "{}")
                let authorize = try #require(connect.body["authorize_url"] as? String)
                let consent = try await api.sendRaw(.GET, authorize + "&sandbox_open_id=" + openID)
                let location = try #require(consent.headers.first(name: "Location"))
                let callback = try await api.send(.GET, location.replacingOccurrences(of: Self.placeholder, with: api.baseURL))
                #expect(callback.status == 200)
                #expect(callback.body["id"] as? String == id)
            }

            try await holds.hold(id, reason: .needsReauth, for: .seconds(24 * 3600))
            #expect(try await holds.current(id)?.reason == .needsReauth)
            try await reconnect()
            #expect(try await holds.current(id) == nil)

            try await holds.hold(id, reason: .cooldown, for: .seconds(600))
            try await reconnect()
            #expect(try await holds.current(id)?.reason == .cooldown)
        }
    }

    @Test func aCallbackWithAnUnknownReusedOrDeniedStateStoresNothing() async throws {
        try await Self.withSandboxAPI { api, sandboxURL in
            let editor = try await api.key(.editor)
            let unknown = try await api.send(.GET, "/oauth/tiktok/callback?code=abc&state=never-issued")
            #expect(unknown.status == 400)
            #expect((unknown.body["error"] as? [String: Any])?["code"] as? String == "invalid_state")
            let denied = try await api.send(.GET, "/oauth/tiktok/callback?error=access_denied&state=x")
            #expect(denied.status == 400)
            let missing = try await api.send(.GET, "/oauth/tiktok/callback?state=x")
            #expect(missing.status == 422)
            let count = try await api.postgres.query("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self)
            #expect(count == 0)
            // A state works once.
            _ = try await Self.connect(api, sandboxURL: sandboxURL, key: editor)
        }
    }

    @Test func aDraftCampaignCanBeChangedAndAStartedOneCannot() async throws {
        try await withAPI(configure: { $0.ffprobe = .disabled }) { api in
            let editor = try await api.key(.editor)
            let form = APIHarness.multipart(filename: "a.mp4", data: Data(MediaFixture.mp4()))
            let media = try await api.sendRaw(.POST, "/api/v1/media", key: editor, body: form.body, contentType: form.contentType)
            let mediaID = try #require((try JSONSerialization.jsonObject(with: media.body) as? [String: Any])?["id"] as? String)
            let created = try await api.send(
                .POST, "/api/v1/campaigns", key: editor,
                json: """
                    {"name": "before", "mode": "direct_post", "media_ids": ["\(mediaID)"], "post_settings": {"privacy_level": "SELF_ONLY"},
                     "account_selection": {"labels": ["nobody"]}, "schedule": {"type": "now"}}
                    """)
            let id = try #require(created.body["id"] as? String)
            let renamed = try await api.send(.PATCH, "/api/v1/campaigns/\(id)", key: editor, json: #"{"name": "after", "caption_template": "Hi {account.nickname}"}"#)
            #expect(renamed.status == 200)
            #expect(renamed.body["name"] as? String == "after")
            #expect(renamed.body["caption_template"] as? String == "Hi {account.nickname}")
            let badTemplate = try await api.send(.PATCH, "/api/v1/campaigns/\(id)", key: editor, json: #"{"caption_template": "{nope}"}"#)
            #expect(badTemplate.status == 422)
            let badMedia = try await api.send(.PATCH, "/api/v1/campaigns/\(id)", key: editor, json: #"{"media_ids": ["x", "y"]}"#)
            #expect(badMedia.status == 422)
            #expect(((badMedia.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.count == 2)
            let unknownField = try await api.send(.PATCH, "/api/v1/campaigns/\(id)", key: editor, json: #"{"colour": "red"}"#)
            #expect(unknownField.status == 400)
            #expect(try await api.send(.GET, "/api/v1/campaigns/\(id)", key: editor).body["name"] as? String == "after")
            // Once started it is no longer a draft: changes are refused and nothing changes.
            let tokens = AccountTokens(
                accessTokenCiphertext: Data("sealed".utf8), accessTokenExpiresAt: Date().addingTimeInterval(3600), refreshTokenCiphertext: nil,
                refreshTokenExpiresAt: nil, keyID: "k1")
            _ = try await AccountRepository(client: api.postgres).upsertConnected(
                ConnectedAccount(openID: "sbx-one", nickname: "One", username: nil, scopes: ["video.publish"], tokens: tokens, labels: ["nobody"]))
            let started = try await api.send(.POST, "/api/v1/campaigns/\(id)/start", key: editor)
            #expect(started.status == 202)
            let late = try await api.send(.PATCH, "/api/v1/campaigns/\(id)", key: editor, json: #"{"name": "late"}"#)
            #expect(late.status == 409)
            #expect(try await api.send(.GET, "/api/v1/campaigns/\(id)", key: editor).body["name"] as? String == "after")
        }
    }

    static var cipher: TokenCipher {
        get throws { try TokenCipher(keySetting: "k1:" + Data(repeating: 0x44, count: 32).base64EncodedString()) }
    }
}
