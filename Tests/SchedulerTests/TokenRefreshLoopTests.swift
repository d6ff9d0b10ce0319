import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
@testable import Scheduler
import TestSupport
import Testing
import TikTok
import TikTokSandbox

/// The leader refreshes tokens ahead of expiry against the TikTok sandbox: the new pair lands in PostgreSQL and the
/// workers' cache; a refresh TikTok refuses turns the account `needs_reauth` with the reason; a good stored token the
/// cache lost is put back.
@Suite struct TokenRefreshLoopTests {
    static let cipher = try! TokenCipher(keySetting: try! EncryptionKeyring.generateKeyEntry(id: "k1"))

    @Test func theLeaderRefreshesExpiringTokensAndMarksRefusedAccounts() async throws {
        var configuration = SandboxConfiguration()
        configuration.seedsDemoCreator = false
        var sandboxLogger = Logger(label: "sandbox")
        sandboxLogger.logLevel = .warning
        let sandbox = SandboxServer(configuration: configuration, logger: sandboxLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run() }
            defer { group.cancelAll() }
            let sandboxURL = "http://127.0.0.1:\(try await sandbox.listeningPort())"
            var tiktokConfiguration = TikTokConfiguration()
            tiktokConfiguration.apiBaseURL = sandboxURL
            tiktokConfiguration.authBaseURL = sandboxURL
            tiktokConfiguration.clientKey = configuration.clientKey
            tiktokConfiguration.clientSecret = configuration.clientSecret
            let tiktok = TikTokClient(configuration: tiktokConfiguration, logger: Logger(label: "test"))
            let http = HTTPClientTransport()
            do {
                try await SchedulerFixture.with { fixture in
                    let expiring = try await Self.connect(fixture, http: http, sandboxURL: sandboxURL, expiresIn: 300)
                    // Not due for a refresh yet: its turn comes after the fault below (the sandbox's OAuth faults hit every caller).
                    let refused = try await Self.connect(fixture, http: http, sandboxURL: sandboxURL, expiresIn: 86_400)
                    let healthy = try await Self.connect(fixture, http: http, sandboxURL: sandboxURL, expiresIn: 86_400)
                    let cache = TokenCache(redis: fixture.redis, cipher: Self.cipher)
                    let before = try await fixture.postgres.query("SELECT access_token_ciphertext FROM accounts WHERE id = \(expiring.id)")
                        .first?.decode("access_token_ciphertext", as: Data.self)
                    let refresher = TokenRefresher(
                        postgres: fixture.postgres, redis: fixture.redis, tiktok: tiktok, cipher: Self.cipher, clock: fixture.clock, logger: Logger(label: "test"))
                    let service = SchedulerService(
                        configuration: fixture.configuration { $0.refreshInterval = .milliseconds(200) }, postgres: fixture.postgres, redis: fixture.redis, enqueuer: fixture.enqueuer(),
                        refresher: refresher, logger: Logger(label: "test"), keys: fixture.schedulerKeys)
                    try await withRunningServices([service]) {
                        try await eventually("the expiring token refreshed", timeout: .seconds(20), poll: .milliseconds(100)) {
                            let renewed = try await AccountRepository(client: fixture.postgres).get(id: expiring.id)
                            return (renewed.accessTokenExpiresAt ?? .distantPast) > Date().addingTimeInterval(3600)
                        }
                        // TikTok now refuses refreshes; the second account's token comes due.
                        let fault = try await Self.post(http, sandboxURL + "/_sandbox/faults", #"{"endpoint": "token", "force_error": {"code": "invalid_grant"}}"#)
                        #expect((200...299).contains(fault.status))
                        _ = try await fixture.postgres.execute(
                            "UPDATE accounts SET access_token_expires_at = now() + interval '5 minutes' WHERE id = \(refused.id)")
                        try await eventually("the refused account marked", timeout: .seconds(20), poll: .milliseconds(100)) {
                            try await AccountRepository(client: fixture.postgres).get(id: refused.id).status == .needsReauth
                        }
                        let after = try await fixture.postgres.query("SELECT access_token_ciphertext FROM accounts WHERE id = \(expiring.id)")
                            .first?.decode("access_token_ciphertext", as: Data.self)
                        #expect(after != before, "a new token pair was stored")
                        let cached = try await cache.get(account: expiring.id.uuidString.lowercased())
                        #expect(cached != nil && cached?.accessToken != expiring.accessToken, "the workers' cache holds the new access token")
                        let marked = try await AccountRepository(client: fixture.postgres).get(id: refused.id)
                        #expect(marked.statusReason?.contains("invalid_grant") == true)
                        #expect(try await cache.get(account: refused.id.uuidString.lowercased()) == nil)
                        // The healthy account was not refreshed, but its token (never cached here) was put in the cache.
                        let untouched = try await AccountRepository(client: fixture.postgres).get(id: healthy.id)
                        #expect(untouched.status == .active)
                        #expect(try await cache.get(account: healthy.id.uuidString.lowercased())?.accessToken == healthy.accessToken)
                    }
                }
            } catch {
                await tiktok.shutdown()
                await http.shutdown()
                throw error
            }
            await tiktok.shutdown()
            await http.shutdown()
        }
    }

    struct Connected {
        var id: UUID
        var openID: String
        var accessToken: String
    }

    /// A sandbox creator with a token pair from the sandbox, stored as a connected account whose access token expires in
    /// `expiresIn` seconds (by PostgreSQL's record).
    static func connect(_ fixture: SchedulerFixture, http: HTTPClientTransport, sandboxURL: String, expiresIn: TimeInterval) async throws -> Connected {
        let creator = try await Self.post(http, sandboxURL + "/_sandbox/creators", #"{"nickname": "Refresh"}"#)
        let openID = try #require(creator.json["open_id"] as? String)
        let issued = try await Self.post(http, sandboxURL + "/_sandbox/tokens", #"{"open_id": "\#(openID)", "scope": "user.info.basic,video.publish"}"#)
        let access = try #require(issued.json["access_token"] as? String)
        let refresh = try #require(issued.json["refresh_token"] as? String)
        let context = TokenRefresher.tokenContext(openID: openID)
        let tokens = AccountTokens(
            accessTokenCiphertext: Data(try Self.cipher.encrypt(access, context: context).utf8), accessTokenExpiresAt: Date().addingTimeInterval(expiresIn),
            refreshTokenCiphertext: Data(try Self.cipher.encrypt(refresh, context: context).utf8),
            refreshTokenExpiresAt: Date().addingTimeInterval(86_400 * 300), keyID: "k1")
        let account = try await AccountRepository(client: fixture.postgres).upsertConnected(
            ConnectedAccount(openID: openID, nickname: "Refresh", username: nil, scopes: ["video.publish"], tokens: tokens, labels: []))
        return Connected(id: account.id, openID: openID, accessToken: access)
    }

    struct Reply {
        var status: Int
        var json: [String: Any]
    }

    static func post(_ http: HTTPClientTransport, _ url: String, _ body: String) async throws -> Reply {
        var request = TransportRequest(method: "POST", url: url)
        request.headers = [("Content-Type", "application/json")]
        request.body = .bytes(Array(body.utf8))
        let response = try await http.send(request, deadline: .seconds(10), maxResponseBytes: 1 << 20)
        return Reply(status: response.status, json: (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:])
    }
}
