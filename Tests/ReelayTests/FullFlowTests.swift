import Crypto
import Foundation
import Logging
import Postgres
import Redis
import TestSupport
import Testing
import TikTok
import TikTokSandbox

/// The whole product through its public doors, with real processes: `reelay migrate`, `reelay apikey create`,
/// `reelay api` (with its result recorder) and `reelay worker`, a private Redis, a fresh PostgreSQL schema and the
/// TikTok sandbox. Two creators connect through the OAuth routes, a video is uploaded with `POST /media`, a campaign
/// is created and started, and a worker whose media root is empty fetches the file through its signed URL. The end:
/// both posts `completed` in PostgreSQL, and the sandbox holding exactly one post per creator with the upload's SHA-256.
@Suite(.serialized) struct FullFlowTests {
    @Test func twoCreatorsConnectUploadCampaignAndPublishFromAWorkerWithoutTheMediaVolume() async throws {
        try await FullFlow.with { flow in
            let admin = flow.adminKey
            // Connect two sandbox creators through the OAuth routes, as their browsers would.
            var accountIDs: [String] = []
            for openID in flow.openIDs {
                let connect = try await flow.api("POST", "/api/v1/accounts/connect", key: admin, json: #"{"labels": ["e2e"]}"#)
                #expect(connect.status == 201)
                let authorize = try #require(connect.json["authorize_url"] as? String)
                let consent = try await flow.raw("GET", authorize + "&sandbox_open_id=" + openID)
                #expect(consent.status == 302)
                let callback = try #require(consent.headers.first { $0.name.lowercased() == "location" }?.value)
                #expect(callback.hasPrefix(flow.apiURL + "/oauth/tiktok/callback?"))
                let connected = try await flow.raw("GET", callback)
                #expect(connected.status == 200)
                let account = try #require(try JSONSerialization.jsonObject(with: Data(connected.body)) as? [String: Any])
                #expect(account["open_id"] as? String == openID)
                #expect(account["status"] as? String == "active")
                accountIDs.append(try #require(account["id"] as? String))
                // The state is single-use.
                #expect(try await flow.raw("GET", callback).status == 400)
            }
            // Tokens are sealed in PostgreSQL, never stored in the clear.
            let stored = try await flow.postgres.query("SELECT access_token_ciphertext FROM accounts")
            #expect(stored.count == 2)

            // Upload the video.
            let video = MediaFixture.mp4(mediaBytes: 3_000_000, durationMs: 15_000, width: 1080, height: 1920)
            let sha256 = SHA256.hash(data: video).map { String(format: "%02x", $0) }.joined()
            let boundary = "e2e-\(UUID().uuidString)"
            var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"launch.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
            body += video + Array("\r\n--\(boundary)--\r\n".utf8)
            let upload = try await flow.api("POST", "/api/v1/media", key: admin, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(upload.status == 201)
            #expect(upload.json["sha256"] as? String == sha256)
            let mediaID = try #require(upload.json["id"] as? String)

            // One campaign, both accounts, now.
            let created = try await flow.api(
                "POST", "/api/v1/campaigns", key: admin,
                json: """
                    {"name": "launch", "mode": "direct_post", "media_ids": ["\(mediaID)"], "caption_template": "Hello from {account.nickname} #{index}",
                     "post_settings": {"privacy_level": "SELF_ONLY", "disable_duet": true}, "account_selection": {"account_ids": ["\(accountIDs[0])", "\(accountIDs[1])"]},
                     "strategy": "round_robin", "schedule": {"type": "now"}}
                    """)
            #expect(created.status == 201)
            #expect(created.json["status"] as? String == "draft")
            let campaignID = try #require(created.json["id"] as? String)
            let started = try await flow.api("POST", "/api/v1/campaigns/\(campaignID)/start", key: admin)
            #expect(started.status == 202)

            // A worker on "another host": its own, empty media root.
            let worker = try flow.startWorker()
            defer { worker.signal(SIGKILL) }
            try await eventually("both posts completed", timeout: .seconds(120), poll: .milliseconds(250)) {
                let progress = try await flow.api("GET", "/api/v1/campaigns/\(campaignID)/progress", key: admin)
                return (progress.json["by_status"] as? [String: Any])?["completed"] as? Int == 2
            }
            let progress = try await flow.api("GET", "/api/v1/campaigns/\(campaignID)/progress", key: admin)
            #expect(progress.json["total"] as? Int == 2)
            let rows = try await flow.postgres.query("SELECT status, account_id::text AS account FROM posts ORDER BY account_id")
            #expect(try rows.map { try $0.decode("status", as: String.self) } == ["completed", "completed"])
            #expect(try Set(rows.map { try $0.decode("account", as: String.self) }) == Set(accountIDs))

            // The sandbox holds exactly one post per creator, with the uploaded bytes.
            for openID in flow.openIDs {
                let posts = try await flow.sandboxPosts(openID: openID)
                #expect(posts.count == 1, "creator \(openID) has \(posts.count) posts")
                #expect(posts.first?["sha256"] as? String == sha256)
                #expect(posts.first?["bytes_received"] as? Int == video.count)
                #expect(posts.first?["status"] as? String == "PUBLISH_COMPLETE")
            }
            // The worker's media root stayed empty: the file came through the signed URL into its cache.
            #expect(MediaFixture.files(under: flow.workerMediaRoot).isEmpty)
            #expect(MediaFixture.files(under: flow.workerCache).contains { $0.hasPrefix(sha256) })
        }
    }
}

/// The processes and clients of one full-flow run.
struct FullFlow {
    let apiURL: String
    let adminKey: String
    let openIDs: [String]
    let postgres: PostgresClient
    let http: HTTPClientTransport
    let sandboxURL: String
    let environment: [String: String]
    let workerMediaRoot: String
    let workerCache: String
    /// The private Redis (append-only when asked for), to kill and restart.
    let redis: RedisServer
    /// The API's port and media root, to start it again.
    let apiPort: Int
    let apiMediaRoot: String

    struct Reply {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:] }
    }

    /// Runs `body` with the whole set-up; `apiArguments` are added to the first `reelay api` (a crash hook, say),
    /// `appendOnlyRedis` runs Redis with an AOF (`appendfsync everysec`), so it can be killed and restarted, and
    /// `extraEnvironment` is added to every process's settings.
    static func with(
        apiArguments: [String] = [], appendOnlyRedis: Bool = false, extraEnvironment: [String: String] = [:], _ body: (FullFlow) async throws -> Void
    ) async throws {
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.processingTime = .milliseconds(200)
        sandboxConfiguration.moderationTime = .milliseconds(100)
        sandboxConfiguration.seedsDemoCreator = false
        var sandboxLogger = Logger(label: "sandbox")
        sandboxLogger.logLevel = .warning
        let sandbox = SandboxServer(configuration: sandboxConfiguration, logger: sandboxLogger)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("e2e")).path
        let apiMedia = scratch + "/api-media"
        let workerMedia = scratch + "/worker-media"
        let workerCache = scratch + "/worker-cache"
        for folder in [apiMedia, workerMedia, workerCache] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // A fresh schema in the test database, reached through the URL's `options` (as any deployment could).
        let schema = TestEnvironment.uniqueName("e2e")
        let baseURL = try await TestEnvironment.postgresURL()
        let admin = PostgresClient(configuration: try PostgresConfiguration(url: baseURL), logger: Logger(label: "test"))
        _ = try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        let databaseURL = baseURL + (baseURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        var schemaConfiguration = try PostgresConfiguration(url: databaseURL)
        schemaConfiguration.poolSize = 2
        let postgres = PostgresClient(configuration: schemaConfiguration, logger: Logger(label: "test"))
        let http = HTTPClientTransport()
        do {
            try await RedisServer.with(appendOnly: appendOnlyRedis) { redis in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await sandbox.run() }
                    defer { group.cancelAll() }
                    let sandboxURL = "http://127.0.0.1:\(try await sandbox.listeningPort())"
                    let port = try Host.freePort()
                    let apiURL = "http://127.0.0.1:\(port)"
                    let environment = [
                        "REELAY_DATABASE_URL": databaseURL, "REELAY_REDIS_URL": redis.url,
                        "REELAY_ENCRYPTION_KEY": try EncryptionKeyring.generateKeyEntry(id: "k1"),
                        "REELAY_TIKTOK_CLIENT_KEY": sandboxConfiguration.clientKey, "REELAY_TIKTOK_CLIENT_SECRET": sandboxConfiguration.clientSecret,
                        "REELAY_TIKTOK_API_URL": sandboxURL, "REELAY_TIKTOK_AUTH_URL": sandboxURL,
                    ].merging(extraEnvironment) { $1 }
                    let migrated = try await ReelayBinary.run(["migrate"], environment: environment)
                    guard migrated.status == 0 else { throw FixtureError("reelay migrate failed: \(migrated.stderr)") }
                    let minted = try await ReelayBinary.run(["apikey", "create", "--name", "e2e admin", "--role", "admin"], environment: environment)
                    guard minted.status == 0, let key = minted.stdout.split(separator: "\n").last.map(String.init), key.hasPrefix("rly_") else {
                        throw FixtureError("reelay apikey create failed: \(minted.stderr)")
                    }
                    let api = try WatchedProcess(
                        arguments: [ReelayBinary.path, "api", "--api-port", String(port), "--public-url", apiURL, "--media-root", apiMedia] + apiArguments,
                        logPath: NSTemporaryDirectory() + "reelay-e2e-api-\(UUID().uuidString).log",
                        environment: environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { $1 })
                    defer { api.signal(SIGKILL) }
                    try await eventually("the API answers", timeout: .seconds(30), poll: .milliseconds(100)) {
                        let reply = try? await http.send(TransportRequest(method: "GET", url: apiURL + "/healthz"), deadline: .seconds(2), maxResponseBytes: 1 << 16)
                        return reply?.status == 200
                    }
                    var openIDs: [String] = []
                    for nickname in ["Ada Creator", "Grace Creator"] {
                        let reply = try await Self.send(http, "POST", sandboxURL + "/_sandbox/creators", body: Array(#"{"nickname": "\#(nickname)"}"#.utf8), contentType: "application/json")
                        guard reply.status == 201, let openID = reply.json["open_id"] as? String else { throw FixtureError("sandbox creator: \(reply.status)") }
                        openIDs.append(openID)
                    }
                    let flow = FullFlow(
                        apiURL: apiURL, adminKey: key, openIDs: openIDs, postgres: postgres, http: http, sandboxURL: sandboxURL,
                        environment: environment, workerMediaRoot: workerMedia, workerCache: workerCache, redis: redis, apiPort: port,
                        apiMediaRoot: apiMedia)
                    try await body(flow)
                }
            }
        } catch {
            await Self.close(postgres: postgres, admin: admin, http: http, schema: schema)
            throw error
        }
        await Self.close(postgres: postgres, admin: admin, http: http, schema: schema)
    }

    private static func close(postgres: PostgresClient, admin: PostgresClient, http: HTTPClientTransport, schema: String) async {
        await postgres.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await admin.shutdown()
        await http.shutdown()
    }

    /// A `reelay worker` of the publish queue with an empty media root and a cache folder of its own.
    func startWorker(extra: [String] = []) throws -> WatchedProcess {
        try WatchedProcess(
            arguments: [
                ReelayBinary.path, "worker", "--queues", "publish", "--concurrency", "4", "--media-root", self.workerMediaRoot,
                "--media-cache-dir", self.workerCache, "--log-level", "info",
            ] + extra,
            logPath: NSTemporaryDirectory() + "reelay-e2e-worker-\(UUID().uuidString).log",
            environment: self.environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { $1 })
    }

    /// Another `reelay api` on the same port and media root (after the first one died).
    func startAPI() async throws -> WatchedProcess {
        let api = try WatchedProcess(
            arguments: [ReelayBinary.path, "api", "--api-port", String(self.apiPort), "--public-url", self.apiURL, "--media-root", self.apiMediaRoot],
            logPath: NSTemporaryDirectory() + "reelay-e2e-api-\(UUID().uuidString).log",
            environment: self.environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { $1 })
        try await eventually("the API answers", timeout: .seconds(30), poll: .milliseconds(100)) {
            let reply = try? await self.http.send(TransportRequest(method: "GET", url: self.apiURL + "/healthz"), deadline: .seconds(2), maxResponseBytes: 1 << 16)
            return reply?.status == 200
        }
        return api
    }

    /// A `reelay scheduler` with test timings (`arguments` override them).
    func startScheduler(_ arguments: [String] = []) throws -> WatchedProcess {
        try WatchedProcess(
            arguments: [ReelayBinary.path, "scheduler", "--public-url", self.apiURL, "--log-level", "info"] + arguments,
            logPath: NSTemporaryDirectory() + "reelay-e2e-scheduler-\(UUID().uuidString).log",
            environment: self.environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { $1 })
    }

    func api(_ method: String, _ path: String, key: String, json: String? = nil) async throws -> Reply {
        try await self.api(method, path, key: key, body: json.map { Array($0.utf8) }, contentType: json == nil ? nil : "application/json")
    }

    func api(_ method: String, _ path: String, key: String, body: [UInt8]?, contentType: String?) async throws -> Reply {
        try await Self.send(self.http, method, self.apiURL + path, body: body, contentType: contentType, headers: [("Authorization", "Bearer \(key)")])
    }

    func raw(_ method: String, _ url: String) async throws -> Reply {
        try await Self.send(self.http, method, url, body: nil, contentType: nil)
    }

    func sandboxPosts(openID: String) async throws -> [[String: Any]] {
        try await self.raw("GET", self.sandboxURL + "/_sandbox/posts?open_id=\(openID)").json["posts"] as? [[String: Any]] ?? []
    }

    static func send(
        _ http: HTTPClientTransport, _ method: String, _ url: String, body: [UInt8]?, contentType: String?, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = TransportRequest(method: method, url: url)
        request.headers = headers.map { (name: $0.0, value: $0.1) }
        if let contentType { request.headers.append((name: "Content-Type", value: contentType)) }
        if let body { request.body = .bytes(body) }
        let response = try await http.send(request, deadline: .seconds(30), maxResponseBytes: 16 << 20)
        return Reply(status: response.status, headers: response.headers, body: Array(response.body))
    }
}
