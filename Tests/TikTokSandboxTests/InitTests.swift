import Foundation
import TestSupport
import Testing
import TikTokSandbox

/// video/init and inbox/video/init validation (reference §2.4, §2.5, §2.7, §3.2).
@Suite struct InitTests {
    /// (video_size, chunk_size, total_chunk_count) triples that break a chunk rule.
    @Test(arguments: [
        (50_000_123, 10_000_000, 4),  // count ≠ floor(size/chunk)
        (20_000_000, 4_000_000, 5),  // non-final chunk under 5 MB
        (200_000_000, 65_000_000, 3),  // non-final chunk over 64 MB
        (60_000_000, 30_000_000, 1),  // count ≠ floor
        (3_000_000, 2_000_000, 1),  // a file under 5 MB must be one whole chunk
        (70_000_000, 40_000_000, 1),  // a file over 64 MB in one chunk
        (194_000_000, 6_000_000, 32),  // control: a valid plan (final chunk 8 MB) is accepted
        (6_000_000_000, 10_000_000, 600),  // over 4 GB
        (6_000_000 * 1001, 6_000_000, 1001),  // over 1000 chunks (with chunks ≥ 5 MB that is also over 4 GB)
        (0, 1, 0),  // empty file
    ])
    func chunkMathIsChecked(_ size: Int, _ chunk: Int, _ count: Int) async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let reply = try await sandbox.postJSON(
                "/v2/post/publish/video/init/",
                [
                    "post_info": ["privacy_level": "SELF_ONLY", "brand_content_toggle": false],
                    "source_info": ["source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count],
                ], token: token)
            if size == 194_000_000 {
                #expect(reply.code == "ok", "a valid plan is accepted: \(reply.text)")
            } else {
                #expect(reply.status == 400)
                #expect(reply.code == "invalid_param", "\(size)/\(chunk)/\(count): \(reply.text)")
            }
        }
    }

    @Test(arguments: ["not json", "{\"post_info\": 3}", "[1,2]"])
    func malformedBodiesAreInvalidParam(_ body: String) async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let reply = try await sandbox.send(
                .POST, "/v2/post/publish/video/init/", headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: Data(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.code == "invalid_param")
        }
    }

    @Test func unknownSourcesAndWrongTypesAreInvalidParam() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let unknown = try await sandbox.postJSON(
                "/v2/post/publish/video/init/",
                ["post_info": ["privacy_level": "SELF_ONLY", "brand_content_toggle": false], "source_info": ["source": "CARRIER_PIGEON"]], token: token)
            #expect(unknown.code == "invalid_param")
            let typed = try await sandbox.postJSON(
                "/v2/post/publish/video/init/",
                [
                    "post_info": ["privacy_level": "SELF_ONLY", "brand_content_toggle": "no"],
                    "source_info": ["source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1],
                ], token: token)
            #expect(typed.code == "invalid_param")
            let inbox = try await sandbox.postJSON(
                "/v2/post/publish/inbox/video/init/", ["source_info": ["source": "FILE_UPLOAD", "video_size": 1000]], token: token)
            #expect(inbox.code == "invalid_param")
        }
    }

    @Test func thePrivacyLevelMustBeOffered() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let missing = try await sandbox.postJSON(
                "/v2/post/publish/video/init/",
                ["source_info": ["source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1]], token: token)
            #expect(missing.status == 403)
            #expect(missing.code == "privacy_level_option_mismatch")
            let notOffered = try await sandbox.initUpload(token: token, size: 1000, privacy: "FOLLOWER_OF_CREATOR")
            #expect(notOffered.code == "privacy_level_option_mismatch")
        }
    }

    @Test func scopesGateEachKindOfInit() async throws {
        try await TestSandbox.run { sandbox in
            let (_, publishOnly) = try await sandbox.accessToken(scope: "video.publish")
            #expect(try await sandbox.initInbox(token: publishOnly, size: 1000).code == "scope_not_authorized")
            let (_, uploadOnly) = try await sandbox.accessToken(scope: "video.upload")
            #expect(try await sandbox.initUpload(token: uploadOnly, size: 1000).code == "scope_not_authorized")
            #expect(try await sandbox.initInbox(token: uploadOnly, size: 1000).code == "ok")
        }
    }

    @Test func sixInitsPerWindowPerToken() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let (_, token) = try await sandbox.accessToken()
            for _ in 0..<6 { #expect(try await sandbox.initUpload(token: token, size: 1000).code == "ok") }
            let limited = try await sandbox.initUpload(token: token, size: 1000)
            #expect(limited.status == 429)
            #expect(limited.code == "rate_limit_exceeded")
            clock.advance(by: sandbox.configuration.rateLimitWindow - .seconds(1))
            #expect(try await sandbox.initUpload(token: token, size: 1000).code == "rate_limit_exceeded", "still inside the window")
            clock.advance(by: .seconds(2))
            #expect(try await sandbox.initUpload(token: token, size: 1000).code == "ok", "the window slides")
        }
    }

    @Test func publishIDsAndUploadURLsHaveTheDocumentedShape() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let direct = try await sandbox.initUpload(token: token, size: 1000).json["data"]
            let id = direct?["publish_id"]?.string ?? ""
            #expect(id.hasPrefix("v_pub_file~v2-1.") && id.count <= 64 && UInt64(id.dropFirst("v_pub_file~v2-1.".count)) != nil)
            let url = direct?["upload_url"]?.string ?? ""
            #expect(url.hasPrefix(sandbox.base + "/upload/?upload_id=") && url.contains("&upload_token=") && url.count <= 256)
            let inbox = try await sandbox.initInbox(token: token, size: 1000).json["data"]?["publish_id"]?.string ?? ""
            #expect(inbox.hasPrefix("v_inbox_file~v2."))
        }
    }

    @Test func inboxSharesAreCappedAtFivePending() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            for _ in 0..<5 { #expect(try await sandbox.initInbox(token: token, size: 1000).code == "ok") }
            let sixth = try await sandbox.initInbox(token: token, size: 1000)
            #expect(sixth.status == 403)
            #expect(sixth.code == "spam_risk_too_many_pending_share")
        }
    }
}

/// The unaudited-client rules of reference §3.2.
@Suite struct UnauditedTests {
    static var privateAccount: [String: Any] { ["privacy_level_options": ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]] }

    @Test func onlySelfOnlyPostsToPrivateAccounts() async throws {
        try await TestSandbox.run({ $0.unaudited = true }) { sandbox in
            let (_, publicToken) = try await sandbox.accessToken()
            let refused = try await sandbox.initUpload(token: publicToken, size: 1000, privacy: "SELF_ONLY")
            #expect(refused.status == 403)
            #expect(refused.code == "unaudited_client_can_only_post_to_private_accounts")
            let (_, token) = try await sandbox.accessToken(Self.privateAccount)
            let info = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            #expect(info.json["data"]?["privacy_level_options"]?.array?.compactMap(\.string) == ["SELF_ONLY"])
            #expect(try await sandbox.initUpload(token: token, size: 1000, privacy: "MUTUAL_FOLLOW_FRIENDS").code == "privacy_level_option_mismatch")
            #expect(try await sandbox.initUpload(token: token, size: 1000, privacy: "SELF_ONLY").code == "ok")
        }
    }

    @Test func atMostFiveUsersPostPer24Hours() async throws {
        try await TestSandbox.run({ $0.unaudited = true }) { sandbox in
            var tokens: [String] = []
            for _ in 0..<6 { tokens.append(try await sandbox.accessToken(Self.privateAccount).token) }
            for token in tokens.prefix(5) { #expect(try await sandbox.initUpload(token: token, size: 1000, privacy: "SELF_ONLY").code == "ok") }
            let sixth = try await sandbox.initUpload(token: tokens[5], size: 1000, privacy: "SELF_ONLY")
            #expect(sixth.status == 403)
            #expect(sixth.code == "reached_active_user_cap")
            let info = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: tokens[5])
            #expect(info.status == 200)
            #expect(info.code == "reached_active_user_cap")
            #expect(try await sandbox.initUpload(token: tokens[0], size: 1000, privacy: "SELF_ONLY").code == "ok", "active users may go on")
        }
    }
}
