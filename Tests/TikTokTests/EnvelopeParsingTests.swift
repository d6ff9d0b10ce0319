import Foundation
import Testing
import TikTok

@Suite struct EnvelopeParsingTests {
    static let creatorData = #"""
        {"creator_avatar_url":"https://lf16-tt4d.tiktokcdn.com/obj/avatar.jpeg","creator_username":"tiktok","creator_nickname":"TikTok Official",
        "privacy_level_options":["PUBLIC_TO_EVERYONE","MUTUAL_FOLLOW_FRIENDS","SELF_ONLY"],"comment_disabled":false,"duet_disabled":false,
        "stitch_disabled":true,"max_video_post_duration_sec":300}
        """#

    @Test func decodesCreatorInfoInTheDocumentedEnvelope() async throws {
        // The envelope of reference §2.2, with its documented log id.
        let transport = FakeTransport(json: envelope(data: Self.creatorData, logID: "202210112248442CB9319E1FB30C1073F3"))
        let info = try await makeClient(transport).creatorInfo(accessToken: "act.example")
        #expect(info.nickname == "TikTok Official")
        #expect(info.privacyLevelOptions == [.publicToEveryone, .mutualFollowFriends, .selfOnly])
        #expect(info.stitchDisabled && !info.duetDisabled && !info.commentDisabled)
        #expect(info.maxVideoPostDurationSeconds == 300)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "https://api.test/v2/post/publish/creator_info/query/")
        #expect(request.headers["authorization"] == "Bearer act.example")
        #expect(request.headers["content-type"] == "application/json; charset=UTF-8")
    }

    /// creator_info refuses with HTTP 200 on purpose (§2.3): the code decides, not the status.
    @Test(arguments: [
        ("spam_risk_too_many_posts", Classification.account(.cooldown)),
        ("spam_risk_user_banned_from_posting", .account(.restricted)),
        ("reached_active_user_cap", .account(.clientCapReached)),
    ])
    func failuresArriveWithStatus200(code: String, expected: Classification) async {
        let transport = FakeTransport(status: 200, json: envelope(data: "{}", code: code, message: "no", logID: "L200"))
        let error = await #expect(throws: TikTokError.self) { try await makeClient(transport).creatorInfo(accessToken: "act.x") }
        #expect(error?.code.rawValue == code)
        #expect(error?.classification == expected)
        #expect(error?.httpStatus == 200)
        #expect(error?.logID == "L200")
    }

    @Test func acceptsTheUnnestedTripleAndLogid() async {
        let transport = FakeTransport(status: 429, json: #"{"code":"rate_limit_exceeded","message":"slow down","logid":"TOP1"}"#)
        let error = await #expect(throws: TikTokError.self) { try await makeClient(transport).creatorInfo(accessToken: "act.x") }
        #expect(error?.code == .rateLimitExceeded)
        #expect(error?.classification == .throttled)
        #expect(error?.suggestedDelay == .seconds(60))
        #expect(error?.logID == "TOP1")
        let nested = FakeTransport(status: 401, json: #"{"data":{},"error":{"code":"access_token_invalid","message":"","logid":"N1"}}"#)
        let invalid = await #expect(throws: TikTokError.self) { try await makeClient(nested).creatorInfo(accessToken: "act.x") }
        #expect(invalid?.classification == .account(.needsReauth))
        #expect(invalid?.logID == "N1")
    }

    @Test func aBlankCodeOnA5xxIsInternalError() async {
        let transport = FakeTransport(status: 503, json: envelope(code: ""))
        let error = await #expect(throws: TikTokError.self) { try await makeClient(transport).creatorInfo(accessToken: "act.x") }
        #expect(error?.code == .internalError)
        #expect(error?.classification == .transient)
    }

    @Test(arguments: [
        #"{"data":{"privacy_level_options":["SELF_ONLY"]},"error":{"code":"ok","message":"","log_id":"M1"}}"#,  // field missing
        #"{"data":{}}"#,  // no error code at all
        #"[1,2,3]"#, "not json", "",
    ])
    func malformedRepliesAreTransient(body: String) async {
        let error = await #expect(throws: TikTokError.self) { try await makeClient(FakeTransport(json: body)).creatorInfo(accessToken: "act.x") }
        #expect(error?.code == .malformedResponse)
        #expect(error?.classification == .transient)
    }

    @Test func statusDecodesInt64PostIDsExactlyAndToleratesMissingFields() async throws {
        let data = #"{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7300000000000000001,9223372036854775807,"7412345678901234567"],"uploaded_bytes":50000123}"#
        let transport = FakeTransport(json: envelope(data: data))
        let status = try await makeClient(transport).fetchStatus(accessToken: "act.x", publishID: "v_pub_file~v2-1.123456789")
        #expect(status.state == .publishComplete)
        #expect(status.publicPostIDs == [7_300_000_000_000_000_001, Int64.max, 7_412_345_678_901_234_567])
        #expect(status.uploadedBytes == 50_000_123)
        #expect(status.downloadedBytes == nil && status.failReason == nil)
        #expect(transport.requests.first?.json["publish_id"] as? String == "v_pub_file~v2-1.123456789")

        let bare = try await makeClient(FakeTransport(json: envelope(data: #"{"status":"PROCESSING_UPLOAD"}"#)))
            .fetchStatus(accessToken: "act.x", publishID: "p")
        #expect(bare.state == .processingUpload && bare.publicPostIDs.isEmpty && bare.uploadedBytes == nil && !bare.isTerminal)

        let failed = try await makeClient(FakeTransport(json: envelope(data: #"{"status":"FAILED","fail_reason":"frame_rate_check_failed"}"#)))
            .fetchStatus(accessToken: "act.x", publishID: "p")
        #expect(failed.isTerminal && failed.failureClassification == .permanent)
    }

    /// The request body of the reference's FILE_UPLOAD example (§2.4), every flag explicit.
    @Test func directPostInitSendsEveryFlag() async throws {
        let transport = FakeTransport(json: envelope(data: #"{"publish_id":"v_pub_file~v2-1.123456789","upload_url":"https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123"}"#))
        var post = PostInfo(privacyLevel: .selfOnly, title: "funny #cat video")
        post.disableComment = true
        post.videoCoverTimestampMs = 1000
        let plan = try ChunkPlan(videoSize: 50_000_123, chunkSize: 10_000_000)
        let ticket = try await makeClient(transport).initDirectPost(accessToken: "act.x", postInfo: post, source: .fileUpload(plan))
        #expect(ticket.publishID == "v_pub_file~v2-1.123456789")
        #expect(ticket.uploadURL?.hasSuffix("upload_token=Xza123") == true)
        let body = try #require(transport.requests.first).json
        let info = try #require(body["post_info"] as? [String: Any])
        #expect(info["privacy_level"] as? String == "SELF_ONLY")
        #expect(info["title"] as? String == "funny #cat video")
        for flag in ["disable_duet", "disable_stitch", "brand_content_toggle", "brand_organic_toggle", "is_aigc"] {
            #expect(info[flag] as? Bool == false, "\(flag)")
        }
        #expect(info["disable_comment"] as? Bool == true)
        #expect(info["video_cover_timestamp_ms"] as? Int == 1000)
        let source = try #require(body["source_info"] as? [String: Any])
        #expect(source["source"] as? String == "FILE_UPLOAD")
        #expect(source["video_size"] as? Int == 50_000_123)
        #expect(source["chunk_size"] as? Int == 10_000_000)
        #expect(source["total_chunk_count"] as? Int == 5)
        #expect(transport.requests.first?.url == "https://api.test/v2/post/publish/video/init/")
    }

    @Test func inboxAndPullAndCancel() async throws {
        let transport = FakeTransport { request in
            let data = request.url.hasSuffix("/cancel/") ? "{}" : #"{"publish_id":"v_inbox_url~v2.1"}"#
            return TransportResponse(status: 200, headers: [("content-type", "application/json")], body: Array(envelope(data: data).utf8))
        }
        let client = makeClient(transport)
        let ticket = try await client.initInbox(accessToken: "act.x", source: .pullFromURL("https://media.example/v.mp4"))
        #expect(ticket.publishID == "v_inbox_url~v2.1" && ticket.uploadURL == nil)
        try await client.cancel(accessToken: "act.x", publishID: ticket.publishID)
        let body = try #require(transport.requests.first).json
        #expect(body["post_info"] == nil)
        #expect((body["source_info"] as? [String: Any])?["video_url"] as? String == "https://media.example/v.mp4")
        #expect(transport.requests.map(\.url) == ["https://api.test/v2/post/publish/inbox/video/init/", "https://api.test/v2/post/publish/cancel/"])
    }

    @Test func aFileUploadInitWithoutUploadURLIsMalformed() async throws {
        let transport = FakeTransport(json: envelope(data: #"{"publish_id":"v_pub_file~1"}"#))
        let error = await #expect(throws: TikTokError.self) {
            try await makeClient(transport).initInbox(accessToken: "act.x", source: .fileUpload(try ChunkPlan(videoSize: 1000)))
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message?.contains("v_pub_file~1") == true, "the orphan publish_id is reported")
    }
}
