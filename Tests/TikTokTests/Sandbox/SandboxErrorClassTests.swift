import Foundation
import Testing
import TikTok

/// One refusal per error class, produced by the sandbox's own rules or its fault injection.
@Suite struct SandboxErrorClassTests {

    @Test func theSeventhInitInAMinuteIsThrottled() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            let source = VideoSource.fileUpload(try ChunkPlan(videoSize: 1_000_000))
            for _ in 1...6 {
                _ = try await sandbox.client.initDirectPost(accessToken: grant.accessToken, postInfo: PostInfo(privacyLevel: .selfOnly), source: source)
            }
            let error = await #expect(throws: TikTokError.self) {
                try await sandbox.client.initDirectPost(accessToken: grant.accessToken, postInfo: PostInfo(privacyLevel: .selfOnly), source: source)
            }
            #expect(error?.code == .rateLimitExceeded && error?.httpStatus == 429)
            #expect(error?.classification == .throttled && error?.suggestedDelay == .seconds(60))
            #expect(error?.logID != nil)
        }
    }

    @Test func aBannedCreatorIsAnAccountError() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            try await sandbox.fault(["endpoint": "creator_info", "force_error": ["open_id": openID, "code": "spam_risk_user_banned_from_posting"]])
            let error = await #expect(throws: TikTokError.self) { try await sandbox.client.creatorInfo(accessToken: grant.accessToken) }
            #expect(error?.code == .spamRiskUserBannedFromPosting)
            #expect(error?.httpStatus == 200, "creator_info refuses with HTTP 200")
            #expect(error?.classification == .account(.restricted))
        }
    }

    @Test func aPrivacyMismatchIsPermanent() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator(["privacy_level_options": ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]])
            let grant = try await sandbox.connect(openID)
            let error = await #expect(throws: TikTokError.self) {
                try await sandbox.client.initDirectPost(
                    accessToken: grant.accessToken, postInfo: PostInfo(privacyLevel: .publicToEveryone),
                    source: .fileUpload(try ChunkPlan(videoSize: 1_000_000)))
            }
            #expect(error?.code == .privacyLevelOptionMismatch)
            #expect(error?.classification == .permanent)
        }
    }

    @Test func injected5xxAreTransient() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            try await sandbox.fault(["endpoint": "creator_info", "error_rate": 1.0, "error_status": 503])
            let error = await #expect(throws: TikTokError.self) { try await sandbox.client.creatorInfo(accessToken: grant.accessToken) }
            #expect(error?.httpStatus == 503)
            #expect(error?.classification == .transient, "\(String(describing: error))")
            try await sandbox.fault(["endpoint": "token", "error_rate": 1.0, "error_status": 503])
            let oauth = await #expect(throws: TikTokError.self) { try await sandbox.client.refresh(refreshToken: grant.refreshToken) }
            #expect(oauth?.code == .temporarilyUnavailable && oauth?.classification == .transient)
        }
    }
}
