import API
import AsyncHTTPClient
import Domain
import Foundation
import Synchronization
import Histogram
import JobQueue
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Redis
import TikTok

#if canImport(Glibc)
import Glibc
#endif

/// What `reelay bench api` prints.
struct APIBenchmarkReport: Encodable {
    struct CampaignStart: Encodable {
        var posts: Int
        var ms: Double
        var enqueued: Int
        var targetMs: Double
        enum CodingKeys: String, CodingKey { case posts, ms, enqueued, targetMs = "target_ms" }
    }
    struct Latency: Encodable {
        var requests: Int
        var concurrency: Int
        var requestsPerS: Double
        var p50Ms: Double
        var p90Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var errors: Int
        var targetP99Ms: Double
        enum CodingKeys: String, CodingKey {
            case requests, concurrency, errors
            case requestsPerS = "requests_per_s", p50Ms = "p50_ms", p90Ms = "p90_ms", p99Ms = "p99_ms", maxMs = "max_ms", targetP99Ms = "target_p99_ms"
        }
    }
    var campaignStart: CampaignStart
    var listPosts: Latency
    var apiRssMb: Double
    var cores: Int
    enum CodingKeys: String, CodingKey { case campaignStart = "campaign_start", listPosts = "list_posts", apiRssMb = "api_rss_mb", cores }
}

/// One API benchmark run: a `reelay api` child on a fresh schema and queue, seeded through Domain, driven over HTTP.
struct APIBenchmark {
    let options: BenchAPICommand
    let settings: ReelaySettings

    func run() async throws -> APIBenchmarkReport {
        let sources = try self.options.global.sources()
        let databaseURL = try sources.read(SettingsCatalog.databaseURL) { .success($0) }
        let redisURL = try sources.read(SettingsCatalog.redisURL) { .success($0) }
        let schema = "bench_api_\(UInt32.random(in: 0...UInt32.max))"
        let queue = "bench-api-\(UInt32.random(in: 0...UInt32.max))"
        let schemaURL = Self.url(databaseURL, searchPath: schema)
        var logger = Logger(label: "reelay.bench")
        logger.logLevel = .warning

        var adminConfiguration = self.settings.database
        adminConfiguration.poolSize = 1
        let admin = PostgresClient(configuration: adminConfiguration, logger: logger)
        var schemaConfiguration = try PostgresConfiguration(url: schemaURL)
        schemaConfiguration.poolSize = 4
        let postgres = PostgresClient(configuration: schemaConfiguration, logger: logger)
        let redis = RedisClient(configuration: self.settings.redis, logger: logger)
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow)
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: self.options.concurrency)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        var api: Process?
        do {
            _ = try await admin.execute("CREATE SCHEMA \(identifier: schema)")
            _ = try await MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: logger).run()
            let key = try await self.seed(postgres)
            let port = try Self.freePort()
            let base = "http://127.0.0.1:\(port)"
            let mediaRoot = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-bench-media").path
            api = try Self.startAPI(
                port: port, databaseURL: schemaURL, redisURL: redisURL, queue: queue, encryptionKey: try EncryptionKeyring.generateKeyEntry(id: "k1"),
                mediaRoot: mediaRoot)
            try await Self.waitUntilHealthy(client, base: base, process: api)
            let start = try await self.campaignStart(client, base: base, key: key, postgres: postgres, redis: redis, queue: queue)
            let latency = try await self.listPosts(client, base: base, key: key)
            let rss = api.map { QueueBenchmark.residentMegabytes(pid: $0.processIdentifier) } ?? 0
            await Self.stop(api)
            try await Self.cleanUp(admin: admin, postgres: postgres, redis: redis, client: client, schema: schema, queue: queue)
            return APIBenchmarkReport(
                campaignStart: start, listPosts: latency, apiRssMb: (rss * 10).rounded() / 10, cores: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            await Self.stop(api)
            try? await Self.cleanUp(admin: admin, postgres: postgres, redis: redis, client: client, schema: schema, queue: queue)
            throw error
        }
    }

    /// `--accounts` active accounts labelled `bench` (daily cap `--media`, at least the default 15, at most 1,000) and
    /// `--media` media rows; answers a new admin key.
    private func seed(_ postgres: PostgresClient) async throws -> String {
        let accounts = AccountRepository(client: postgres)
        for index in 0..<self.options.accounts {
            let tokens = AccountTokens(
                accessTokenCiphertext: Data("bench-sealed".utf8), accessTokenExpiresAt: Date().addingTimeInterval(86400), refreshTokenCiphertext: nil,
                refreshTokenExpiresAt: nil, keyID: "k1")
            let account = try await accounts.upsertConnected(
                ConnectedAccount(
                    openID: "bench-\(index)", nickname: "Bench \(index)", username: nil, scopes: ["video.publish"], tokens: tokens, labels: ["bench"]))
            // Every account posts every media at once: a cap of `--media` keeps the campaign inside its budget.
            _ = try await accounts.update(id: account.id, AccountRepository.Changes(dailyCap: min(max(self.options.media, 15), 1000)))
        }
        let media = MediaRepository(client: postgres)
        for index in 0..<self.options.media {
            let digest = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
            _ = try await media.insert(
                NewMedia(
                    path: "bench/\(index).mp4", originalName: "bench-\(index).mp4", contentType: "video/mp4", sizeBytes: 5_000_000, sha256: digest,
                    probe: ["duration_seconds": .number(15)]))
        }
        let minted = APIKeyMinter.mint()
        _ = try await APIKeyRepository(client: postgres).create(name: "bench", prefix: minted.prefix, hash: minted.hash, role: .admin)
        return minted.key
    }

    /// A `reelay api` child on `port` with only the given settings (the parent's other `REELAY_*` variables are left
    /// out; `extra` adds some), the per-key rate limit off, its output on stderr only.
    static func startAPI(
        port: Int, databaseURL: String, redisURL: String, queue: String, encryptionKey: String, mediaRoot: String, extra: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["api", "--log-level", ProcessInfo.processInfo.environment["REELAY_BENCH_API_LOG_LEVEL"] ?? "warning"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REELAY_") }
        environment["REELAY_DATABASE_URL"] = databaseURL
        environment["REELAY_REDIS_URL"] = redisURL
        environment["REELAY_API_PORT"] = String(port)
        environment["REELAY_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
        environment["REELAY_API_QUEUE"] = queue
        environment["REELAY_API_RATE_LIMIT"] = "0"
        environment["REELAY_DATABASE_POOL_SIZE"] = "8"
        environment["REELAY_ENCRYPTION_KEY"] = encryptionKey
        environment["REELAY_MEDIA_ROOT"] = mediaRoot
        process.environment = environment.merging(extra) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Creates the campaign over HTTP, then times `POST /campaigns/{id}/start` and checks every post is written and queued.
    private func campaignStart(
        _ client: HTTPClient, base: String, key: String, postgres: PostgresClient, redis: RedisClient, queue: String
    ) async throws -> APIBenchmarkReport.CampaignStart {
        let mediaIDs = try await postgres.query("SELECT id::text AS id FROM media ORDER BY path").map { try $0.decode("id", as: String.self) }
        let body: [String: Any] = [
            "name": "bench", "mode": "direct_post", "media_ids": mediaIDs, "caption_template": "bench {index} by {account.nickname}",
            "post_settings": ["privacy_level": "SELF_ONLY"], "account_selection": ["labels": ["bench"]], "strategy": "round_robin",
            "schedule": ["type": "now"],
        ]
        let created = try await Self.send(client, .POST, base + "/api/v1/campaigns", key: key, body: try JSONSerialization.data(withJSONObject: body))
        guard created.status == 201, let id = created.json["id"] as? String else {
            throw BenchmarkFailure(description: "creating the campaign answered \(created.status): \(created.text.prefix(300))")
        }
        let began = ContinuousClock.now
        let started = try await Self.send(client, .POST, base + "/api/v1/campaigns/\(id)/start", key: key, body: nil)
        let elapsed = ContinuousClock.now - began
        guard started.status == 202 else {
            throw BenchmarkFailure(description: "starting the campaign answered \(started.status): \(started.text.prefix(300))")
        }
        let posts = try await postgres.query("SELECT count(*) AS n FROM posts").first?.decode("n", as: Int.self) ?? 0
        let keys = try QueueKeys(queue: queue)
        let queued = try await redis.send(["LLEN", keys.ready]).int ?? 0
        let expected = self.options.accounts * self.options.media
        guard posts == expected, queued == expected else {
            throw BenchmarkFailure(description: "the start wrote \(posts) posts and queued \(queued) jobs; expected \(expected) of each")
        }
        return .init(posts: posts, ms: Self.milliseconds(elapsed), enqueued: queued, targetMs: 2000)
    }

    /// `--requests` GET /api/v1/posts pages (plain, by campaign, by status in turn), `--concurrency` at once, after a
    /// warm-up; every non-200 counts as an error.
    private func listPosts(_ client: HTTPClient, base: String, key: String) async throws -> APIBenchmarkReport.Latency {
        let paths = ["/api/v1/posts?limit=50", "/api/v1/posts?status=queued&limit=50", "/api/v1/posts?limit=20"]
        for index in 0..<min(500, self.options.requests) {
            _ = try? await Self.send(client, .GET, base + paths[index % paths.count], key: key, body: nil)
        }
        let next = Counter()
        let began = ContinuousClock.now
        let (histogram, errors) = try await withThrowingTaskGroup(of: (Histogram<UInt64>, Int).self) { group in
            for _ in 0..<self.options.concurrency {
                group.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    var errors = 0
                    while let index = next.take(below: self.options.requests) {
                        let sent = ContinuousClock.now
                        let reply = try? await Self.send(client, .GET, base + paths[index % paths.count], key: key, body: nil)
                        let micros = (ContinuousClock.now - sent).components
                        _ = histogram.record(UInt64(micros.seconds) * 1_000_000 + UInt64(micros.attoseconds / 1_000_000_000_000))
                        if reply?.status != 200 { errors += 1 }
                    }
                    return (histogram, errors)
                }
            }
            var total = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var errors = 0
            for try await (part, failed) in group {
                total.add(part)
                errors += failed
            }
            return (total, errors)
        }
        let seconds = Double((ContinuousClock.now - began).components.attoseconds) / 1e18 + Double((ContinuousClock.now - began).components.seconds)
        let ms = { (value: UInt64) in (Double(value) / 100).rounded() / 10 }
        return .init(
            requests: self.options.requests, concurrency: self.options.concurrency,
            requestsPerS: seconds > 0 ? (Double(self.options.requests) / seconds).rounded() : 0, p50Ms: ms(histogram.valueAtPercentile(50)),
            p90Ms: ms(histogram.valueAtPercentile(90)), p99Ms: ms(histogram.valueAtPercentile(99)), maxMs: ms(histogram.max), errors: errors,
            targetP99Ms: 50)
    }

    // MARK: - Plumbing

    struct Reply {
        var status: Int
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: self.body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    static func send(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, key: String?, body: Data?, contentType: String = "application/json"
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }

    /// `url` with the search path set through libpq's `options` (URL or keyword form).
    static func url(_ url: String, searchPath schema: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        return url + " options='-csearch_path=\(schema)'"
    }

    static func waitUntilHealthy(_ client: HTTPClient, base: String, process: Process?) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            if let reply = try? await Self.send(client, .GET, base + "/readyz", key: nil, body: nil), reply.status == 200 { return }
            if process?.isRunning == false { throw BenchmarkFailure(description: "reelay api exited at start (status \(process?.terminationStatus ?? -1))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkFailure(description: "reelay api did not become ready within 30 s")
    }

    static func stop(_ process: Process?) async {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    static func cleanUp(
        admin: PostgresClient, postgres: PostgresClient, redis: RedisClient, client: HTTPClient, schema: String, queue: String
    ) async throws {
        await postgres.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await admin.shutdown()
        try await Self.unlinkKeys(matching: "reelay:{\(queue)}:*", redis: redis)
        await redis.shutdown()
        try await client.shutdown()
    }

    /// Deletes every key matching the `SCAN` pattern (and `filter`, when given), a thousand at a time.
    static func unlinkKeys(matching pattern: String, redis: RedisClient, where filter: ((String) -> Bool)? = nil) async throws {
        var cursor = "0"
        repeat {
            let reply = try await redis.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"]).array ?? []
            cursor = reply.first?.string ?? "0"
            let keys = (reply.count > 1 ? (reply[1].array?.compactMap(\.string) ?? []) : []).filter { filter?($0) ?? true }
            if !keys.isEmpty { _ = try await redis.send(["UNLINK"] + keys) }
        } while cursor != "0"
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return ((Double(seconds) * 1000 + Double(attoseconds) / 1e15) * 10).rounded() / 10
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkFailure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchmarkFailure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Hands out request numbers to the load tasks.
final class Counter: Sendable {
    private let value = Mutex(0)
    func take(below limit: Int) -> Int? {
        self.value.withLock { current in
            guard current < limit else { return nil }
            current += 1
            return current - 1
        }
    }
}
