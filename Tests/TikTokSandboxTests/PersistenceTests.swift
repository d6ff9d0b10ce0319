import Foundation
import Testing
import TikTokSandbox

/// `--state FILE`: a restarted sandbox remembers creators, tokens and posts.
@Suite struct PersistenceTests {
    @Test func stateSurvivesARestart() async throws {
        let path = NSTemporaryDirectory() + "sandbox-state-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = SandboxConfiguration()
        configuration.stateFile = path
        configuration.seedsDemoCreator = false
        configuration.processingTime = .milliseconds(100)
        var remembered: (openID: String, token: String, refresh: String, publishID: String, sha: String) = ("", "", "", "", "")
        try await TestSandbox.run(configuration: configuration) { sandbox in
            let openID = try await sandbox.creator(["nickname": "Persistent"])
            let tokens = try await sandbox.login(openID)
            let token = tokens["access_token"]?.string ?? ""
            let video = TestSandbox.mp4(size: 900)
            let data = try await sandbox.initUpload(token: token, size: 900).json["data"]
            #expect(try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...899).status == 201)
            remembered = (openID, token, tokens["refresh_token"]?.string ?? "", data?["publish_id"]?.string ?? "", TestSandbox.sha256(video))
        }
        #expect(FileManager.default.fileExists(atPath: path))
        try await TestSandbox.run(configuration: configuration) { sandbox in
            let creators = try await sandbox.getJSON("/_sandbox/creators")["creators"]?.array ?? []
            #expect(creators.compactMap { $0["open_id"]?.string } == [remembered.openID])
            let status = try await sandbox.waitForStatus(remembered.publishID, token: remembered.token) { $0["status"]?.string == "PUBLISH_COMPLETE" }
            #expect(status["uploaded_bytes"]?.int == 900)
            #expect(try await sandbox.posts().first?["sha256"]?.string == remembered.sha)
            let refreshed = try await sandbox.postForm(
                "/v2/oauth/token/",
                ["client_key": configuration.clientKey, "client_secret": configuration.clientSecret, "grant_type": "refresh_token",
                 "refresh_token": remembered.refresh])
            #expect(refreshed.status == 200)
        }
    }

    @Test func anUnreadableStateFileStopsTheServer() async throws {
        let path = NSTemporaryDirectory() + "sandbox-state-\(UUID().uuidString).json"
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = SandboxConfiguration()
        configuration.stateFile = path
        await #expect(throws: SandboxServerError.self) { try await TestSandbox.run(configuration: configuration) { _ in } }
    }
}

/// `/_sandbox/creators`, `/_sandbox/tokens` and the demo creator.
@Suite struct InspectionTests {
    @Test func creatorsGetDefaults() async throws {
        try await TestSandbox.run { sandbox in
            let reply = try await sandbox.send(.POST, "/_sandbox/creators")
            #expect(reply.status == 201)
            #expect(reply.json["privacy_level_options"]?.array?.compactMap(\.string) == ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
            #expect(reply.json["max_video_post_duration_sec"]?.int == 300)
            #expect(reply.json["daily_post_cap"]?.int == 15)
            #expect(try await sandbox.getJSON("/_sandbox/creators")["creators"]?.array?.count == 1)
        }
    }

    @Test(arguments: [
        "{\"privacy_level_options\": []}", "{\"privacy_level_options\": [\"EVERYONE\"]}", "{\"max_video_post_duration_sec\": 0}",
        "{\"daily_post_cap\": -1}", "{\"nickname\": 5}", "{\"nick\": \"x\"}", "not json",
        "{\"privacy_level_options\": [\"PUBLIC_TO_EVERYONE\", \"FOLLOWER_OF_CREATOR\"]}",
    ])
    func badCreatorBodiesAre400(_ body: String) async throws {
        try await TestSandbox.run { sandbox in
            let reply = try await sandbox.send(.POST, "/_sandbox/creators", headers: [("Content-Type", "application/json")], body: Data(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.json["error"]?["code"]?.string == "invalid_body")
            #expect(reply.json["error"]?["message"]?.string?.isEmpty == false)
        }
    }

    @Test func tokensCanBeIssuedWithoutTheBrowser() async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator()
            let reply = try await sandbox.postJSON("/_sandbox/tokens", ["open_id": openID, "scope": "video.upload"])
            #expect(reply.status == 201)
            #expect(reply.json["scope"]?.string == "video.upload")
            let token = reply.json["access_token"]?.string ?? ""
            #expect(try await sandbox.initInbox(token: token, size: 1000).code == "ok")
            #expect(try await sandbox.postJSON("/_sandbox/tokens", ["open_id": "nobody"]).status == 404)
        }
    }

    @Test func theDemoCreatorIsSeededWhenAsked() async throws {
        try await TestSandbox.run({ $0.seedsDemoCreator = true }) { sandbox in
            let creators = try await sandbox.getJSON("/_sandbox/creators")
            #expect(creators["creators"]?.array?.count == 1)
        }
    }
}
