import Foundation
import Testing
import TikTok

/// The OAuth flow against `reelay sandbox` over real HTTP.
@Suite struct SandboxOAuthTests {
    @Test func authorizeExchangeRefreshRotateRevoke() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator(["nickname": "Oauth Tester"])
            let callback = try await sandbox.authorize(openID, state: "state-123", scopes: ["user.info.basic", "video.publish"])
            #expect(callback["state"] == "state-123")
            #expect(callback["scopes"] == "user.info.basic,video.publish")
            let code = try #require(callback["code"])

            let grant = try await sandbox.client.exchangeCode(code)
            #expect(grant.openID == openID)
            #expect(grant.scopes == ["user.info.basic", "video.publish"])
            #expect(grant.expiresIn > 0 && grant.refreshExpiresIn > 0 && grant.tokenType == "Bearer")
            let reused = await #expect(throws: TikTokError.self) { try await sandbox.client.exchangeCode(code) }
            #expect(reused?.code == .invalidGrant, "a code works once")

            let refreshed = try await sandbox.client.refresh(refreshToken: grant.refreshToken)
            #expect(refreshed.refreshToken != grant.refreshToken, "the refresh token rotates")
            #expect(refreshed.accessToken != grant.accessToken)
            let stale = await #expect(throws: TikTokError.self) { try await sandbox.client.refresh(refreshToken: grant.refreshToken) }
            #expect(stale?.code == .invalidGrant)
            #expect(stale?.classification == .account(.needsReconnect))
            #expect(stale?.logID != nil)

            _ = try await sandbox.client.creatorInfo(accessToken: refreshed.accessToken)
            try await sandbox.client.revoke(accessToken: refreshed.accessToken)
            let revoked = await #expect(throws: TikTokError.self) { try await sandbox.client.creatorInfo(accessToken: refreshed.accessToken) }
            #expect(revoked?.code == .accessTokenInvalid)
            #expect(revoked?.classification == .account(.needsReauth))
            await #expect(throws: TikTokError.self) { try await sandbox.client.refresh(refreshToken: refreshed.refreshToken) }
        }
    }

    @Test func aWrongClientSecretIsInvalidClient() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let callback = try await sandbox.authorize(openID, state: "s", scopes: ["video.publish"])
            var configuration = sandbox.client.configuration
            configuration.clientSecret = "wrong-secret"
            let impostor = TikTokClient(configuration: configuration)
            let error = await #expect(throws: TikTokError.self) { try await impostor.exchangeCode(callback["code"] ?? "") }
            #expect(error?.code == .invalidClient)
            #expect(error?.classification == .permanent)
            #expect(error.map { !"\($0)\(String(reflecting: $0))".contains("wrong-secret") } == true)
            await impostor.shutdown()
        }
    }
}
