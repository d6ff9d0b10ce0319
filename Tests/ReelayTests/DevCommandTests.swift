import Foundation
import Logging
import Postgres
import TestSupport
import Testing
import TikTok

/// `reelay dev`: sandbox, API, scheduler and worker in one process. A creator of its sandbox connects through the
/// OAuth routes, a video is uploaded and a campaign started; the post ends `completed` and the sandbox holds it once.
@Suite(.serialized) struct DevCommandTests {
    @Test func devRunsTheWholeSystemInOneProcess() async throws {
        let schema = TestEnvironment.uniqueName("dev")
        let baseURL = try await TestEnvironment.postgresURL()
        let admin = PostgresClient(configuration: try PostgresConfiguration(url: baseURL), logger: Logger(label: "test"))
        _ = try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        let databaseURL = baseURL + (baseURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let media = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("dev-media")).path
        let http = HTTPClientTransport()
        defer { try? FileManager.default.removeItem(atPath: media) }
        do {
            try await RedisServer.with { redis in
                let apiPort = try Host.freePort()
                let sandboxPort = try Host.freePort()
                let api = "http://127.0.0.1:\(apiPort)"
                let environment = [
                    "REELAY_DATABASE_URL": databaseURL, "REELAY_REDIS_URL": redis.url, "REELAY_ENCRYPTION_KEY": try EncryptionKeyring.generateKeyEntry(id: "k1"),
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                ]
                let dev = try WatchedProcess(
                    arguments: [ReelayBinary.path, "dev", "--api-port", String(apiPort), "--sandbox-port", String(sandboxPort), "--media-root", media],
                    logPath: NSTemporaryDirectory() + "reelay-dev-\(UUID().uuidString).log", environment: environment)
                defer { dev.signal(SIGKILL) }
                try await eventually("reelay dev answers", timeout: .seconds(60), poll: .milliseconds(100)) {
                    (try? await FullFlow.send(http, "GET", api + "/healthz", body: nil, contentType: nil))?.status == 200
                }
                let minted = try await ReelayBinary.run(["apikey", "create", "--name", "dev", "--role", "admin"], environment: environment)
                let key = try #require(minted.stdout.split(separator: "\n").last.map(String.init))
                let auth = [("Authorization", "Bearer \(key)")]
                let creator = try await FullFlow.send(
                    http, "POST", "http://127.0.0.1:\(sandboxPort)/_sandbox/creators", body: Array(#"{"nickname": "Dev"}"#.utf8), contentType: "application/json")
                let openID = try #require(creator.json["open_id"] as? String)
                let connect = try await FullFlow.send(http, "POST", api + "/api/v1/accounts/connect", body: Array("{}".utf8), contentType: "application/json", headers: auth)
                let authorize = try #require(connect.json["authorize_url"] as? String)
                #expect(authorize.hasPrefix("http://127.0.0.1:\(sandboxPort)/"), "the API talks to the in-process sandbox")
                let consent = try await FullFlow.send(http, "GET", authorize + "&sandbox_open_id=" + openID, body: nil, contentType: nil)
                let callback = try #require(consent.headers.first { $0.name.lowercased() == "location" }?.value)
                #expect(callback.hasPrefix(api + "/oauth/tiktok/callback"), "the public URL follows --api-port")
                let account = try #require(try await FullFlow.send(http, "GET", callback, body: nil, contentType: nil).json["id"] as? String)
                let video = MediaFixture.mp4(mediaBytes: 300_000, durationMs: 5_000, width: 720, height: 1280)
                let boundary = "dev-\(UUID().uuidString)"
                var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dev.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
                body += video + Array("\r\n--\(boundary)--\r\n".utf8)
                let upload = try await FullFlow.send(
                    http, "POST", api + "/api/v1/media", body: body, contentType: "multipart/form-data; boundary=\(boundary)", headers: auth)
                let mediaID = try #require(upload.json["id"] as? String)
                let created = try await FullFlow.send(
                    http, "POST", api + "/api/v1/campaigns",
                    body: Array(
                        """
                        {"name": "dev", "mode": "direct_post", "media_ids": ["\(mediaID)"], "post_settings": {"privacy_level": "SELF_ONLY"},
                         "account_selection": {"account_ids": ["\(account)"]}, "schedule": {"type": "now"}}
                        """.utf8), contentType: "application/json", headers: auth)
                let campaign = try #require(created.json["id"] as? String)
                let started = try await FullFlow.send(http, "POST", api + "/api/v1/campaigns/\(campaign)/start", body: nil, contentType: nil, headers: auth)
                #expect(started.status == 202)
                try await eventually("the post completed", timeout: .seconds(90), poll: .milliseconds(250)) {
                    let progress = try await FullFlow.send(http, "GET", api + "/api/v1/campaigns/\(campaign)/progress", body: nil, contentType: nil, headers: auth)
                    return (progress.json["by_status"] as? [String: Any])?["completed"] as? Int == 1
                }
                let posts = try await FullFlow.send(http, "GET", "http://127.0.0.1:\(sandboxPort)/_sandbox/posts?open_id=\(openID)", body: nil, contentType: nil)
                #expect((posts.json["posts"] as? [[String: Any]])?.count == 1)
                let ready = try await FullFlow.send(http, "GET", api + "/readyz", body: nil, contentType: nil)
                #expect((ready.json["scheduler"] as? [String: Any])?["leader"] as? String != nil)
                // SIGTERM: every part stops in order and the process exits 0.
                dev.signal(SIGTERM)
                try await dev.waitUntilExited(timeout: .seconds(30))
                #expect(dev.exitStatus == 0)
            }
        } catch {
            await http.shutdown()
            _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await admin.shutdown()
            throw error
        }
        await http.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await admin.shutdown()
    }
}
