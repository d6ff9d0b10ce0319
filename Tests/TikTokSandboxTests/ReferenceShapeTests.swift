import Foundation
import Testing
import TikTokSandbox

/// Field-by-field comparison of the sandbox's answers with the documented examples and tables of
/// `/work/shared/reference/tiktok-api.md`: the same keys, the same JSON types, the same envelope.
@Suite struct ReferenceShapeTests {
    /// Keys → JSON type, transcribed from the reference.
    typealias Shape = [String: String]

    /// §1.4: the flat seven-field token response.
    static let tokenResponse: Shape = [
        "access_token": "string", "expires_in": "int", "open_id": "string", "refresh_token": "string", "refresh_expires_in": "int",
        "scope": "string", "token_type": "string",
    ]
    /// §2.2: the envelope's error object (example: `"error": {"code": "ok", "message": "", "log_id": "2022…"}`).
    static let envelopeError: Shape = ["code": "string", "message": "string", "log_id": "string"]
    /// §2.3: creator_info data.
    static let creatorInfo: Shape = [
        "creator_avatar_url": "string", "creator_username": "string", "creator_nickname": "string", "privacy_level_options": "array",
        "comment_disabled": "bool", "duet_disabled": "bool", "stitch_disabled": "bool", "max_video_post_duration_sec": "int",
    ]
    /// §2.4: init data for FILE_UPLOAD.
    static let initData: Shape = ["publish_id": "string", "upload_url": "string"]
    /// §2.9: status data of a finished public FILE_UPLOAD post.
    static let statusData: Shape = ["status": "string", "publicaly_available_post_id": "array", "uploaded_bytes": "int"]
    /// §1.8: the flat OAuth error.
    static let oauthError: Shape = ["error": "string", "error_description": "string", "log_id": "string"]

    static func shape(of value: Wire?) -> Shape {
        guard case .object(let members)? = value else { return [:] }
        return members.mapValues(\.kind)
    }

    static func expectEnvelope(_ reply: Reply, data: Shape) {
        #expect(reply.json.keys == ["data", "error"])
        #expect(Self.shape(of: reply.json["error"]) == Self.envelopeError)
        #expect(reply.json["error"]?["code"]?.string == "ok")
        #expect(reply.json["error"]?["message"]?.string == "")
        #expect(Self.shape(of: reply.json["data"]) == data)
    }

    @Test func everyDocumentedShapeMatches() async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator()
            let tokenReply = try await sandbox.exchange(try await sandbox.authorize(openID)["code"] ?? "")
            #expect(Self.shape(of: tokenReply.json) == Self.tokenResponse)
            #expect(tokenReply.json["token_type"]?.string == "Bearer")
            let token = tokenReply.json["access_token"]?.string ?? ""

            let info = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            Self.expectEnvelope(info, data: Self.creatorInfo)
            #expect(info.json["data"]?["privacy_level_options"]?.array?.allSatisfy { $0.kind == "string" } == true)

            // The §2.4 example body, sent as documented (sizes scaled down to a one-chunk file).
            let video = TestSandbox.mp4(size: 4_000)
            let initReply = try await sandbox.initUpload(token: token, size: video.count)
            Self.expectEnvelope(initReply, data: Self.initData)
            let publishID = initReply.json["data"]?["publish_id"]?.string ?? ""
            _ = try await sandbox.put(initReply.json["data"]?["upload_url"]?.string ?? "", video, 0...(video.count - 1))
            _ = try await sandbox.waitForStatus(publishID, token: token) { ($0["publicaly_available_post_id"]?.array ?? []).count > 0 }
            let status = try await sandbox.postJSON("/v2/post/publish/status/fetch/", ["publish_id": publishID], token: token)
            Self.expectEnvelope(status, data: Self.statusData)
            #expect(status.json["data"]?["publicaly_available_post_id"]?.array?.allSatisfy { $0.kind == "int" } == true)

            let failure = try await sandbox.postJSON("/v2/post/publish/status/fetch/", ["publish_id": "x"], token: token)
            #expect(failure.json.keys == ["data", "error"])
            #expect(Self.shape(of: failure.json["error"]) == Self.envelopeError)
            #expect(failure.headers["x-tt-logid"] == failure.json["error"]?["log_id"]?.string)

            let oauth = try await sandbox.exchange("used-or-unknown")
            #expect(Self.shape(of: oauth.json) == Self.oauthError)
        }
    }

    @Test func everyAnswerHasAFreshLogID() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            var seen = Set<String>()
            for _ in 0..<5 {
                let logID = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token).json["error"]?["log_id"]?.string ?? ""
                #expect(logID.count == 34 && logID.allSatisfy { $0.isNumber || ("A"..."F").contains($0) })
                seen.insert(logID)
            }
            #expect(seen.count == 5)
        }
    }
}
