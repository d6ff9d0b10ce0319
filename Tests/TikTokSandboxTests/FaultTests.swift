import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TikTokSandbox

/// `POST /_sandbox/faults` and its effects.
@Suite struct FaultTests {
    @Test func anErrorRateOfOneAnswers5xxInEachEndpointsShape() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            #expect(try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "video_init", "error_rate": 1.0]).status == 200)
            let failed = try await sandbox.initUpload(token: token, size: 1000)
            #expect(failed.status == 500)
            #expect(failed.code == "internal_error")
            #expect(try await sandbox.posts().isEmpty, "nothing was created")
            _ = try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "token", "error_rate": 1.0, "error_status": 503])
            let code = try await sandbox.authorize(try await sandbox.creator())["code"] ?? ""
            let token503 = try await sandbox.exchange(code)
            #expect(token503.status == 503)
            #expect(token503.json["error"]?.string == "temporarily_unavailable")
            #expect(try await sandbox.send(.DELETE, "/_sandbox/faults").status == 200)
            #expect(try await sandbox.initUpload(token: token, size: 1000).code == "ok")
            #expect(try await sandbox.exchange(code).status == 200, "the code survived the injected failure")
        }
    }

    @Test func aDroppedInitResponseStillCreatesThePost() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            _ = try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "video_init", "drop_responses": 1])
            await #expect(throws: (any Error).self) { _ = try await sandbox.initUpload(token: token, size: 1000) }
            let posts = try await sandbox.posts(openID: openID)
            #expect(posts.count == 1)
            #expect(posts.first?["status"]?.string == "PROCESSING_UPLOAD")
            #expect(try await sandbox.initUpload(token: token, size: 1000).code == "ok", "only the next call was dropped")
        }
    }

    @Test func aDroppedUploadResponseStillRecordsTheChunk() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 3_000)
            let url = try await sandbox.initUpload(token: token, size: 3_000).json["data"]?["upload_url"]?.string ?? ""
            _ = try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "upload", "drop_responses": 1])
            await #expect(throws: (any Error).self) { _ = try await sandbox.put(url, video, 0...2_999) }
            let post = try await sandbox.posts(openID: openID).first
            #expect(post?["bytes_received"]?.int == 3_000)
            #expect(post?["sha256"]?.string == TestSandbox.sha256(video))
            let resend = try await sandbox.put(url, video, 0...2_999)
            #expect(resend.status == 416, "the bytes are already there")
            #expect(resend.headers["content-range"] == "bytes 0-2999/3000")
        }
    }

    @Test func aTimeoutDropHoldsTheConnectionSilent() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            _ = try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "creator_info", "drop_responses": 1, "drop_mode": "timeout", "drop_hold_ms": 2000])
            var request = HTTPClientRequest(url: sandbox.base + "/v2/post/publish/creator_info/query/")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            await #expect(throws: (any Error).self) { _ = try await testClient.execute(request, timeout: .milliseconds(300)) }
            _ = openID
        }
    }

    @Test func forcedErrorsHitOneCreator() async throws {
        try await TestSandbox.run { sandbox in
            let (banned, bannedToken) = try await sandbox.accessToken()
            let (_, otherToken) = try await sandbox.accessToken()
            _ = try await sandbox.postJSON(
                "/_sandbox/faults", ["endpoint": "video_init", "force_error": ["open_id": banned, "code": "spam_risk_user_banned_from_posting"]])
            _ = try await sandbox.postJSON(
                "/_sandbox/faults", ["endpoint": "creator_info", "force_error": ["open_id": banned, "code": "spam_risk_user_banned_from_posting"]])
            let refused = try await sandbox.initUpload(token: bannedToken, size: 1000)
            #expect(refused.status == 403)
            #expect(refused.code == "spam_risk_user_banned_from_posting")
            let info = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: bannedToken)
            #expect(info.status == 200)
            #expect(info.code == "spam_risk_user_banned_from_posting")
            #expect(try await sandbox.initUpload(token: otherToken, size: 1000).code == "ok")
        }
    }

    @Test func anInjectedFailReasonEndsThePublish() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            _ = try await sandbox.postJSON("/_sandbox/faults", ["endpoint": "status", "fail_reason": ["open_id": openID, "reason": "internal"]])
            let video = TestSandbox.mp4(size: 700)
            let data = try await sandbox.initUpload(token: token, size: 700).json["data"]
            _ = try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...699)
            let done = try await sandbox.waitForStatus(data?["publish_id"]?.string ?? "", token: token) { $0["status"]?.string != "PROCESSING_UPLOAD" }
            #expect(done["status"]?.string == "FAILED")
            #expect(done["fail_reason"]?.string == "internal")
        }
    }

    @Test(arguments: [
        "{\"endpoint\": \"nope\"}", "{\"endpoint\": \"video_init\", \"error_rate\": 2}", "{\"endpoint\": \"video_init\", \"typo\": 1}",
        "{\"endpoint\": \"video_init\", \"fail_reason\": {\"reason\": \"internal\"}}", "[]", "",
        "{\"endpoint\": \"video_init\", \"force_error\": {\"code\": \"made_up\"}}",
    ])
    func badFaultBodiesAre400InReelaysShape(_ body: String) async throws {
        try await TestSandbox.run { sandbox in
            let reply = try await sandbox.send(.POST, "/_sandbox/faults", headers: [("Content-Type", "application/json")], body: Data(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.json["error"]?.keys == ["code", "message", "details"])
        }
    }
}
