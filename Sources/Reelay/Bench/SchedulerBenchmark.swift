import Domain
import Foundation
import Histogram
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
import Scheduler
import ServiceLifecycle
import Synchronization

/// What `reelay bench scheduler` prints.
struct SchedulerBenchmarkReport: Encodable {
    struct Lateness: Encodable {
        var p50: Double
        var p90: Double
        var p99: Double
        var max: Double
        var min: Double
        var mean: Double
    }

    var jobs: Int
    var fired: Int
    var spreadS: Double
    var leadS: Double
    /// Fire time − run time, in ms (Redis's clock on both sides).
    var latenessMs: Lateness
    /// From the scheduler's start until every post was loaded into Redis.
    var loadMs: Double
    /// Posts claimed before their run time (must be 0).
    var early: Int
    var processRssMb: Double
    var cores: Int

    enum CodingKeys: String, CodingKey {
        case jobs, fired, spreadS = "spread_s", leadS = "lead_s", latenessMs = "lateness_ms", loadMs = "load_ms", early
        case processRssMb = "process_rss_mb", cores
    }
}

/// One run: timed posts in PostgreSQL, the production scheduler service in this process, claimers taking what fires.
struct SchedulerBenchmark {
    let options: BenchSchedulerCommand
    let settings: ReelaySettings

    func run() async throws -> SchedulerBenchmarkReport {
        let sources = try self.options.global.sources()
        let databaseURL = try sources.read(SettingsCatalog.databaseURL) { .success($0) }
        let tag = UInt32.random(in: 0...UInt32.max)
        let schema = "bench_sched_\(tag)"
        let queue = "bench-sched-\(tag)"
        let keys = SchedulerKeys(prefix: "reelay-bench-\(tag)")
        var logger = Logger(label: "reelay.bench")
        logger.logLevel = .warning
        var adminConfiguration = self.settings.database
        adminConfiguration.poolSize = 1
        let admin = PostgresClient(configuration: adminConfiguration, logger: logger)
        var schemaConfiguration = try PostgresConfiguration(url: APIBenchmark.url(databaseURL, searchPath: schema))
        schemaConfiguration.poolSize = 4
        let postgres = PostgresClient(configuration: schemaConfiguration, logger: logger)
        var redisConfiguration = self.settings.redis
        redisConfiguration.blockingPoolSize = max(redisConfiguration.blockingPoolSize, self.options.consumers + 2)
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        do {
            _ = try await admin.execute("CREATE SCHEMA \(identifier: schema)")
            _ = try await MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: logger).run()
            let report = try await self.measure(postgres: postgres, redis: redis, queue: queue, keys: keys, logger: logger)
            try await Self.cleanUp(admin: admin, postgres: postgres, redis: redis, schema: schema, queue: queue, keys: keys)
            return report
        } catch {
            try? await Self.cleanUp(admin: admin, postgres: postgres, redis: redis, schema: schema, queue: queue, keys: keys)
            throw error
        }
    }

    private func measure(postgres: PostgresClient, redis: RedisClient, queue: String, keys: SchedulerKeys, logger: Logger) async throws -> SchedulerBenchmarkReport {
        let jobs = self.options.jobs
        let spreadMs = self.options.spreadDuration.components.seconds * 1000 + self.options.spreadDuration.components.attoseconds / 1_000_000_000_000_000
        let leadMs = self.options.leadDuration.components.seconds * 1000 + self.options.leadDuration.components.attoseconds / 1_000_000_000_000_000
        let clock = RedisClock(client: redis)
        // One account and one file; the posts' jobs are built as for production (signed URL, SHA-256) but never run.
        let account = UUID()
        let media = UUID()
        _ = try await postgres.execute("INSERT INTO accounts (id, open_id, nickname) VALUES (\(account), 'bench', 'Bench')")
        _ = try await postgres.execute(
            "INSERT INTO media (id, path, size_bytes, sha256) VALUES (\(media), 'bench/clip.mp4', 1000, \([UInt8](repeating: 1, count: 32)))")
        let start = Int64(try await clock.now().timeIntervalSince1970 * 1000) + leadMs
        var due: [UUID: Int64] = [:]
        due.reserveCapacity(jobs)
        var ids: [String] = []
        var offsets: [String] = []
        for index in 0..<jobs {
            let id = UUID()
            let offset = jobs == 1 ? 0 : Int64(index) * spreadMs / Int64(jobs - 1)
            due[id] = start + offset
            ids.append(id.uuidString.lowercased())
            offsets.append(String(offset))
        }
        for chunk in stride(from: 0, to: jobs, by: 5000) {
            let end = min(chunk + 5000, jobs)
            _ = try await postgres.execute(
                """
                INSERT INTO posts (id, account_id, media_id, queue, status, run_at, idempotency_key, post_settings)
                SELECT p.id::uuid, \(account), \(media), \(queue), 'scheduled', to_timestamp((\(start) + p.shift::bigint)::float8 / 1000),
                       'bench:' || p.id, '{"privacy_level": "SELF_ONLY"}'::jsonb
                FROM unnest(\(Array(ids[chunk..<end]))::text[], \(Array(offsets[chunk..<end]))::text[]) AS p(id, shift)
                """)
        }

        var configuration = SchedulerConfiguration()
        configuration.queues = [queue]
        let factory = PostJobFactory(signer: MediaURLSigner(secret: SymmetricKeyBytes.random()), publicURL: "http://127.0.0.1:8080/api/v1")
        let scheduler = SchedulerService(
            configuration: configuration, postgres: postgres, redis: redis,
            enqueuer: PostEnqueuer(postgres: postgres, redis: redis, factory: factory, logger: logger), refresher: nil, logger: logger, keys: keys)
        let group = ServiceGroup(services: [scheduler], logger: logger)
        let broker = RedisJobBroker(client: redis)
        let began = ContinuousClock.now
        let deadline = began.advanced(by: .milliseconds(leadMs + spreadMs) + .seconds(60))
        let fired = SharedValue(0)
        let dueTimes = due
        return try await withThrowingTaskGroup(of: (Histogram<UInt64>, Int, Int).self) { tasks in
            tasks.addTask {
                try await group.run()
                return (Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three), 0, 0)
            }
            let loaded = SharedValue<Duration?>(nil)
            tasks.addTask {
                while ContinuousClock.now < deadline {
                    let left = try await postgres.query("SELECT count(*) AS n FROM posts WHERE status = 'scheduled'").first?.decode("n", as: Int.self) ?? 0
                    if left == 0 {
                        loaded.value.withLock { $0 = ContinuousClock.now - began }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return (Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three), 0, 0)
            }
            for consumer in 0..<self.options.consumers {
                tasks.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
                    var early = 0
                    var count = 0
                    while ContinuousClock.now < deadline, fired.value.withLock({ $0 }) < jobs {
                        let claimed = try await broker.claim(
                            queue: queue, worker: "bench-\(consumer)", limit: 100, leaseDuration: .seconds(120), wait: .milliseconds(200),
                            now: try await clock.now())
                        guard !claimed.isEmpty else { continue }
                        let at = Int64((try await clock.now().timeIntervalSince1970 * 1_000_000).rounded())
                        for job in claimed {
                            guard let dueMs = dueTimes[job.id.uuid] else { continue }
                            let lateness = at - dueMs * 1000
                            if lateness < 0 { early += 1 }
                            histogram.record(UInt64(max(lateness, 0)))
                            count += 1
                        }
                        fired.value.withLock { $0 += claimed.count }
                        _ = try await broker.complete(claimed, now: try await clock.now())
                    }
                    return (histogram, early, count)
                }
            }
            var total = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
            var early = 0
            var count = 0
            var finished = 0
            while let (histogram, consumerEarly, consumerCount) = try await tasks.next() {
                total.add(histogram)
                early += consumerEarly
                count += consumerCount
                finished += 1
                // The consumers and the load monitor are done: stop the scheduler.
                if finished == self.options.consumers + 1 { await group.triggerGracefulShutdown() }
            }
            let ms = { (value: UInt64) in (Double(value) / 100).rounded() / 10 }
            return SchedulerBenchmarkReport(
                jobs: jobs, fired: count, spreadS: Double(spreadMs) / 1000, leadS: Double(leadMs) / 1000,
                latenessMs: .init(
                    p50: ms(total.valueAtPercentile(50)), p90: ms(total.valueAtPercentile(90)), p99: ms(total.valueAtPercentile(99)),
                    max: ms(total.max), min: ms(total.min), mean: (total.mean / 100).rounded() / 10),
                loadMs: loaded.value.withLock { $0 }.map(APIBenchmark.milliseconds) ?? -1, early: early,
                processRssMb: (QueueBenchmark.residentMegabytes(pid: getpid()) * 10).rounded() / 10, cores: ProcessInfo.processInfo.activeProcessorCount)
        }
    }

    static func cleanUp(admin: PostgresClient, postgres: PostgresClient, redis: RedisClient, schema: String, queue: String, keys: SchedulerKeys) async throws {
        await postgres.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await admin.shutdown()
        try await APIBenchmark.unlinkKeys(matching: "reelay:{\(queue)}:*", redis: redis)
        _ = try await redis.send(["UNLINK", keys.leader, keys.fence, keys.status])
        await redis.shutdown()
    }
}

/// A value several tasks share.
final class SharedValue<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
}

/// 32 random bytes, for a throwaway signing key.
enum SymmetricKeyBytes {
    static func random() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }
}
