import API
import AsyncHTTPClient
import Domain
import Foundation
import Histogram
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Redis
import ServiceLifecycle
import TikTok
import TikTokSandbox

#if canImport(Glibc)
import Glibc
#endif

/// What `reelay bench e2e` prints.
struct E2EBenchmarkReport: Encodable {
    struct Latency: Encodable {
        var p50: Double
        var p90: Double
        var p99: Double
        var max: Double
    }
    struct Memory: Encodable {
        var sum: Double
        var max: Double
    }

    var posts: Int
    var workers: Int
    var concurrency: Int
    var tiktokLatencyMs: Int
    var accounts: Int
    var media: Int
    /// From the start call to the last post's completion, in seconds (PostgreSQL's clock).
    var wallS: Double
    var postsPerS: Double
    /// Start call → the post's `completed` row (`updated_at`), in ms, PostgreSQL's clock on both ends.
    var latencyMs: Latency
    /// The worker processes' peak resident memory (`VmHWM`) in MB: the sum over the processes, and the largest.
    var workerPeakRssMb: Memory
    /// The API process's peak resident memory (`VmHWM`) in MB.
    var apiPeakRssMb: Double
    var failed: Int
    /// `PUBLISH_COMPLETE` posts in the sandbox (must equal `posts`).
    var sandboxPublished: Int
    /// Publish ids and captions the sandbox holds more than once (must be 0).
    var duplicates: Int
    var cores: Int
    /// The host's 1-minute load average when the run began (other processes share the machine).
    var loadAverage: Double

    enum CodingKeys: String, CodingKey {
        case posts, workers, concurrency, accounts, media, failed, duplicates, cores
        case tiktokLatencyMs = "tiktok_latency_ms", wallS = "wall_s", postsPerS = "posts_per_s", latencyMs = "latency_ms"
        case workerPeakRssMb = "worker_peak_rss_mb", apiPeakRssMb = "api_peak_rss_mb", sandboxPublished = "sandbox_published"
        case loadAverage = "load_average"
    }
}

/// One end-to-end run: a sandbox TikTok in this process, `reelay api` and `reelay worker` children on a schema and
/// queue of their own, seeded and driven over HTTP, measured in PostgreSQL.
struct E2EBenchmark {
    let options: BenchE2ECommand
    let settings: ReelaySettings

    /// The resources of one run, for the steps and the clean-up.
    struct Run {
        let schema: String
        let queue: String
        let mediaRoot: String
        let admin: PostgresClient
        let postgres: PostgresClient
        let redis: RedisClient
        let client: HTTPClient
        let sandboxURL: String
        /// The token-encryption key of the API and the workers (made for this run).
        let encryptionKey: String
    }

    func run() async throws -> E2EBenchmarkReport {
        var logger = Logger(label: "reelay.bench")
        logger.logLevel = .warning
        var configuration = SandboxConfiguration()
        configuration.seedsDemoCreator = false
        configuration.processingTime = .milliseconds(200)
        configuration.moderationTime = .milliseconds(100)
        let sandbox = SandboxServer(configuration: configuration, logger: logger)
        let services = ServiceGroup(services: [sandbox], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                let report = try await self.measure(sandboxURL: try await sandbox.baseURL(), logger: logger)
                await services.triggerGracefulShutdown()
                return report
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    private func measure(sandboxURL: String, logger: Logger) async throws -> E2EBenchmarkReport {
        let sources = try self.options.global.sources()
        let databaseURL = try sources.read(SettingsCatalog.databaseURL) { .success($0) }
        let redisURL = try sources.read(SettingsCatalog.redisURL) { .success($0) }
        let tag = UInt32.random(in: 0...UInt32.max)
        let schema = "bench_e2e_\(tag)"
        let schemaURL = APIBenchmark.url(databaseURL, searchPath: schema)
        var adminConfiguration = self.settings.database
        adminConfiguration.poolSize = 1
        var schemaConfiguration = try PostgresConfiguration(url: schemaURL)
        schemaConfiguration.poolSize = 2
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow)
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        let run = Run(
            schema: schema, queue: "bench-e2e-\(tag)",
            mediaRoot: FileManager.default.temporaryDirectory.appendingPathComponent("reelay-bench-e2e-\(tag)").path,
            admin: PostgresClient(configuration: adminConfiguration, logger: logger), postgres: PostgresClient(configuration: schemaConfiguration, logger: logger),
            redis: RedisClient(configuration: self.settings.redis, logger: logger), client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: http),
            sandboxURL: sandboxURL, encryptionKey: try EncryptionKeyring.generateKeyEntry(id: "k1"))
        let load = Self.loadAverage()
        var children: [Process] = []
        var accountIDs: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: run.mediaRoot, withIntermediateDirectories: true)
            _ = try await run.admin.execute("CREATE SCHEMA \(identifier: schema)")
            _ = try await MigrationRunner(client: run.postgres, migrations: try SchemaMigrations.all(), logger: logger).run()
            let minted = APIKeyMinter.mint()
            _ = try await APIKeyRepository(client: run.postgres).create(name: "bench-e2e", prefix: minted.prefix, hash: minted.hash, role: .admin)

            let tiktok = [
                "REELAY_TIKTOK_API_URL": sandboxURL, "REELAY_TIKTOK_AUTH_URL": sandboxURL, "REELAY_TIKTOK_CLIENT_KEY": "sandbox-client-key",
                "REELAY_TIKTOK_CLIENT_SECRET": "sandbox-client-secret",
            ]
            let port = try APIBenchmark.freePort()
            let base = "http://127.0.0.1:\(port)"
            let api = try APIBenchmark.startAPI(
                port: port, databaseURL: schemaURL, redisURL: redisURL, queue: run.queue, encryptionKey: run.encryptionKey, mediaRoot: run.mediaRoot,
                extra: tiktok)
            children.append(api)
            let workers = try (0..<self.options.workers).map { index in
                try self.startWorker(
                    queue: run.queue, maintenance: index == 0, redisURL: redisURL, encryptionKey: run.encryptionKey, mediaRoot: run.mediaRoot, tiktok: tiktok)
            }
            children += workers
            try await APIBenchmark.waitUntilHealthy(run.client, base: base, process: api)
            try await QueueBenchmark.waitForWorkers(queue: run.queue, count: workers.count, redis: run.redis)

            let seeded = try await self.seed(run, base: base, key: minted.key)
            accountIDs = seeded.accountIDs
            try await self.setLatency(run)
            let began = try await run.postgres.query("SELECT extract(epoch FROM clock_timestamp())::float8 AS t").first?.decode("t", as: Double.self) ?? 0
            for campaign in seeded.campaigns {
                let started = try await APIBenchmark.send(run.client, .POST, base + "/api/v1/campaigns/\(campaign)/start", key: minted.key, body: nil)
                guard started.status == 202 else {
                    throw BenchmarkFailure(description: "starting a campaign answered \(started.status): \(started.text.prefix(300))")
                }
            }
            let failed = try await self.waitForTheEnd(run, children: children)
            let workerPeaks = workers.map { QueueBenchmark.peakResidentMegabytes(pid: $0.processIdentifier) }
            let apiPeak = QueueBenchmark.peakResidentMegabytes(pid: api.processIdentifier)
            let (histogram, wall) = try await self.latencies(run, since: began)
            let (published, duplicates) = try await self.sandboxCheck(run)
            await Self.stop(children)
            try await self.cleanUp(run, accountIDs: accountIDs)
            let round = { (value: Double) in (value * 10).rounded() / 10 }
            let ms = { (value: UInt64) in (Double(value) / 100).rounded() / 10 }
            return E2EBenchmarkReport(
                posts: self.options.posts, workers: self.options.workers, concurrency: self.options.concurrency,
                tiktokLatencyMs: self.options.tiktokLatencyMs, accounts: seeded.accountIDs.count, media: seeded.media, wallS: (wall * 1000).rounded() / 1000,
                postsPerS: wall > 0 ? round(Double(self.options.posts) / wall) : 0,
                latencyMs: .init(
                    p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)), p99: ms(histogram.valueAtPercentile(99)),
                    max: ms(histogram.max)),
                workerPeakRssMb: .init(sum: round(workerPeaks.reduce(0, +)), max: round(workerPeaks.max() ?? 0)), apiPeakRssMb: round(apiPeak),
                failed: failed, sandboxPublished: published, duplicates: duplicates, cores: ProcessInfo.processInfo.activeProcessorCount,
                loadAverage: load)
        } catch {
            await Self.stop(children)
            try? await self.cleanUp(run, accountIDs: accountIDs)
            throw error
        }
    }

    // MARK: - Processes

    private func startWorker(
        queue: String, maintenance: Bool, redisURL: String, encryptionKey: String, mediaRoot: String, tiktok: [String: String]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [
            "worker", "--queues", queue, "--concurrency", String(self.options.concurrency), "--maintenance", maintenance ? "true" : "false",
            "--log-level", ProcessInfo.processInfo.environment["REELAY_BENCH_WORKER_LOG_LEVEL"] ?? "warning",
        ]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REELAY_") }
        environment["REELAY_REDIS_URL"] = redisURL
        environment["REELAY_ENCRYPTION_KEY"] = encryptionKey
        environment["REELAY_MEDIA_ROOT"] = mediaRoot
        environment["REELAY_MEDIA_CACHE_DIR"] = mediaRoot + "/.cache"
        process.environment = environment.merging(tiktok) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGTERM to every child at once, then each is waited for (SIGKILL after 5 s).
    static func stop(_ children: [Process]) async {
        for child in children where child.isRunning { kill(child.processIdentifier, SIGTERM) }
        for child in children { await APIBenchmark.stop(child) }
    }

    // MARK: - Measuring

    /// Polls the posts' statuses every 100 ms until every post is finished; answers how many failed. Throws, with the
    /// counts, when `--timeout` passes first or a child exits.
    private func waitForTheEnd(_ run: Run, children: [Process]) async throws -> Int {
        let deadline = ContinuousClock.now.advanced(by: self.options.timeoutDuration)
        var counts: [String: Int] = [:]
        while ContinuousClock.now < deadline {
            let rows = try await run.postgres.query("SELECT status, count(*)::int8 AS n FROM posts GROUP BY status")
            counts = try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self)) })
            let finished = (counts["completed"] ?? 0) + (counts["failed"] ?? 0) + (counts["cancelled"] ?? 0)
            if finished >= self.options.posts { return (counts["failed"] ?? 0) + (counts["cancelled"] ?? 0) }
            if let gone = children.first(where: { !$0.isRunning }) {
                throw BenchmarkFailure(description: "a child process (pid \(gone.processIdentifier)) exited with status \(gone.terminationStatus); posts: \(Self.text(counts))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkFailure(description: "not every post finished within \(self.options.timeout); posts: \(Self.text(counts))")
    }

    /// Each completed post's latency (µs) from `since` (epoch seconds, PostgreSQL's clock), and the wall time in seconds.
    private func latencies(_ run: Run, since: Double) async throws -> (Histogram<UInt64>, Double) {
        let rows = try await run.postgres.query(
            "SELECT extract(epoch FROM updated_at)::float8 AS t FROM posts WHERE status = \("completed")")
        var histogram = Histogram<UInt64>(highestTrackableValue: 86_400_000_000, numberOfSignificantValueDigits: .three)
        var last = since
        for row in rows {
            let at = try row.decode("t", as: Double.self)
            last = max(last, at)
            histogram.record(UInt64(max(at - since, 0) * 1_000_000))
        }
        return (histogram, last - since)
    }

    /// The sandbox's view: `PUBLISH_COMPLETE` posts, and how many publish ids and captions it holds more than once.
    private func sandboxCheck(_ run: Run) async throws -> (published: Int, duplicates: Int) {
        let reply = try await APIBenchmark.send(run.client, .GET, run.sandboxURL + "/_sandbox/posts", key: nil, body: nil)
        guard reply.status == 200, let posts = reply.json["posts"] as? [[String: Any]] else {
            throw BenchmarkFailure(description: "GET /_sandbox/posts answered \(reply.status)")
        }
        let published = posts.count { $0["status"] as? String == "PUBLISH_COMPLETE" }
        let ids = posts.compactMap { $0["publish_id"] as? String }
        let captions = posts.compactMap { $0["caption"] as? String }
        return (published, (ids.count - Set(ids).count) + (captions.count - Set(captions).count))
    }

    // MARK: - Clean-up

    /// Removes the media root and the accounts' Redis keys (token cache entries; TikTok rate and cap counters), then
    /// the schema and the queue's keys. Account holds (set only when TikTok refuses an account) expire by themselves.
    private func cleanUp(_ run: Run, accountIDs: [String]) async throws {
        try? FileManager.default.removeItem(atPath: run.mediaRoot)
        if let cipher = try? TokenCipher(keySetting: run.encryptionKey) {
            let cache = TokenCache(redis: run.redis, cipher: cipher)
            for id in accountIDs { try? await cache.remove(account: id) }
        }
        let accounts = Set(accountIDs)
        if !accounts.isEmpty {
            // The publish run's LimitKeys for "tiktok:<account id>:<endpoint>": reelay:limit:{tiktok:<account id>:…}:…
            try? await APIBenchmark.unlinkKeys(matching: "reelay:limit:{tiktok:*", redis: run.redis) { key in
                accounts.contains(String(key.dropFirst("reelay:limit:{tiktok:".count).prefix(36)))
            }
        }
        try await APIBenchmark.cleanUp(
            admin: run.admin, postgres: run.postgres, redis: run.redis, client: run.client, schema: run.schema, queue: run.queue)
    }

    // MARK: - Small helpers

    static func text(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The 1-minute load average from `/proc/loadavg` (0 when it cannot be read).
    static func loadAverage() -> Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
    }
}
