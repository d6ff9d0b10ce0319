import Foundation
import Testing
import TikTokSandbox

/// creator_info/query (reference §2.3).
@Suite struct CreatorInfoTests {
    @Test func reportsTheCreator() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken([
                "nickname": "Ada", "username": "ada", "max_video_post_duration_sec": 180, "comment_disabled": true,
            ])
            let reply = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            #expect(reply.status == 200)
            #expect(reply.code == "ok")
            let data = reply.json["data"]
            #expect(data?["creator_nickname"]?.string == "Ada")
            #expect(data?["creator_username"]?.string == "ada")
            #expect(data?["max_video_post_duration_sec"]?.int == 180)
            #expect(data?["comment_disabled"]?.bool == true)
            #expect(data?["duet_disabled"]?.bool == false)
            #expect(data?["privacy_level_options"]?.array?.compactMap(\.string) == ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
        }
    }

    @Test func privateAccountsHaveDuetAndStitchDisabled() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken(["privacy_level_options": ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]])
            let data = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token).json["data"]
            #expect(data?["duet_disabled"]?.bool == true)
            #expect(data?["stitch_disabled"]?.bool == true)
        }
    }

    @Test func needsATokenAndTheVideoPublishScope() async throws {
        try await TestSandbox.run { sandbox in
            let missing = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:])
            #expect(missing.status == 401)
            #expect(missing.code == "access_token_invalid")
            let bogus = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: "act.nope")
            #expect(bogus.code == "access_token_invalid")
            let (_, uploadOnly) = try await sandbox.accessToken(scope: "user.info.basic,video.upload")
            let scoped = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: uploadOnly)
            #expect(scoped.status == 401)
            #expect(scoped.code == "scope_not_authorized")
        }
    }

    @Test func theDailyCapIsAnsweredWithHTTP200() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken(["daily_post_cap": 1])
            #expect(try await sandbox.initUpload(token: token, size: 1000).code == "ok")
            let info = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            #expect(info.status == 200)
            #expect(info.code == "spam_risk_too_many_posts")
            let second = try await sandbox.initUpload(token: token, size: 1000)
            #expect(second.status == 403)
            #expect(second.code == "spam_risk_too_many_posts")
        }
    }

    @Test func theRateLimitIs20PerWindowPerToken() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            for _ in 0..<20 { #expect(try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token).code == "ok") }
            let limited = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            #expect(limited.status == 429)
            #expect(limited.code == "rate_limit_exceeded")
            let other = try await sandbox.login(openID)["access_token"]?.string ?? ""
            #expect(try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: other).code == "ok", "limits are per token")
        }
    }
}
