import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
@testable import Scheduler
import TestSupport
import Testing

/// A migrated PostgreSQL schema, a queue and scheduler keys of its own in the test Redis, and helpers writing the rows
/// the API would. ``with(_:)`` removes everything afterwards.
struct SchedulerFixture {
    let postgres: PostgresClient
    let redis: RedisClient
    let queue: String
    let queueKeys: QueueKeys
    let schedulerKeys: SchedulerKeys
    let prefix: String
    let schema: String

    var clock: RedisClock { RedisClock(client: self.redis) }
    var repository: SchedulerRepository { SchedulerRepository(client: self.postgres) }

    static func with(_ body: (SchedulerFixture) async throws -> Void) async throws {
        let url = try await TestEnvironment.postgresURL()
        let schema = TestEnvironment.uniqueName("sched")
        var admin = try PostgresConfiguration(url: url)
        admin.poolSize = 1
        let adminClient = PostgresClient(configuration: admin, logger: Logger(label: "test"))
        _ = try await adminClient.execute("CREATE SCHEMA \(identifier: schema)")
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 4
        configuration.runtimeParameters["search_path"] = schema
        let postgres = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
        var redisConfiguration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        redisConfiguration.poolSize = 4
        redisConfiguration.blockingPoolSize = 4
        let redis = RedisClient(configuration: redisConfiguration, logger: Logger(label: "test"))
        let queue = TestEnvironment.uniqueName("sched").lowercased()
        let prefix = TestEnvironment.uniqueName("reelay-sched").lowercased()
        let fixture = SchedulerFixture(
            postgres: postgres, redis: redis, queue: queue, queueKeys: try QueueKeys(queue: queue), schedulerKeys: SchedulerKeys(prefix: prefix),
            prefix: prefix, schema: schema)
        do {
            _ = try await MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: Logger(label: "test")).run()
            try await body(fixture)
        } catch {
            await fixture.finish(admin: adminClient)
            throw error
        }
        await fixture.finish(admin: adminClient)
    }

    func finish(admin: PostgresClient) async {
        await self.postgres.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: self.schema) CASCADE")
        await admin.shutdown()
        for pattern in ["\(self.queueKeys.base):*", "\(self.prefix):*"] {
            if let found = try? await self.redis.send(["KEYS", pattern]).array?.compactMap(\.string), !found.isEmpty {
                _ = try? await self.redis.send(["UNLINK"] + found)
            }
        }
        await self.redis.shutdown()
    }

    // MARK: - Rows

    /// An active account; returns its id.
    func account() async throws -> UUID {
        let id = UUID()
        _ = try await self.postgres.execute("INSERT INTO accounts (id, open_id, nickname) VALUES (\(id), \("open-\(id)"), 'Creator')")
        return id
    }

    /// A media row; returns its id.
    func media() async throws -> UUID {
        let id = UUID()
        _ = try await self.postgres.execute(
            "INSERT INTO media (id, path, size_bytes, sha256) VALUES (\(id), \("videos/\(id).mp4"), 1000, \([UInt8](repeating: 7, count: 32)))")
        return id
    }

    /// A campaign in `status`; returns its id.
    func campaign(status: String = "scheduled") async throws -> UUID {
        let id = UUID()
        _ = try await self.postgres.execute("INSERT INTO campaigns (id, name, status) VALUES (\(id), 'Spring', \(status))")
        return id
    }

    /// A post of this fixture's queue in `status`, due at `runAt`, with its `post.created` event; returns its id.
    func post(account: UUID, media: UUID, campaign: UUID? = nil, status: String = "scheduled", runAt: Date) async throws -> UUID {
        let id = UUID()
        _ = try await self.postgres.execute(
            """
            INSERT INTO posts (id, campaign_id, account_id, media_id, queue, status, run_at, idempotency_key, post_settings)
            VALUES (\(id), \(campaign), \(account), \(media), \(self.queue), \(status), \(runAt), \("key-\(id)"),
                    '{"privacy_level": "SELF_ONLY"}'::jsonb)
            """)
        _ = try await self.postgres.execute(
            "INSERT INTO post_events (post_id, event, to_status, actor) VALUES (\(id), 'post.created', \(status), 'test')")
        return id
    }

    /// Statuses of `ids`.
    func statuses(_ ids: [UUID]) async throws -> [UUID: String] {
        let rows = try await self.postgres.query("SELECT id, status FROM posts WHERE id = ANY(\(ids.map { $0.uuidString.lowercased() })::uuid[])")
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("id", as: UUID.self), try $0.decode("status", as: String.self)) })
    }

    /// The score (run-at, ms) of `id` in the queue's scheduled set, if there.
    func scheduledScore(_ id: UUID) async throws -> Int64? {
        try await self.redis.send(["ZSCORE", self.queueKeys.scheduled, JobID(id).description]).string.flatMap { Double($0) }.map { Int64($0) }
    }

    /// Whether Redis holds a job hash of `id`.
    func jobExists(_ id: UUID) async throws -> Bool {
        try await self.redis.send(["EXISTS", self.queueKeys.job(JobID(id))]).int == 1
    }

    /// An enqueuer signing with a throwaway key.
    func enqueuer() -> PostEnqueuer {
        PostEnqueuer(
            postgres: self.postgres, redis: self.redis,
            factory: PostJobFactory(signer: MediaURLSigner(secret: Array("0123456789abcdef0123456789abcdef".utf8)), publicURL: "http://127.0.0.1:1/api/v1"),
            logger: Logger(label: "test"))
    }

    /// Scheduler settings for tests: this fixture's queue, short intervals.
    func configuration(_ change: (inout SchedulerConfiguration) -> Void = { _ in }) -> SchedulerConfiguration {
        var configuration = SchedulerConfiguration()
        configuration.queues = [self.queue]
        configuration.lease = .seconds(2)
        configuration.standbyPoll = .milliseconds(50)
        configuration.loadInterval = .milliseconds(100)
        configuration.outboxInterval = .milliseconds(200)
        configuration.statusInterval = .milliseconds(200)
        configuration.maintenance.forwarderMaximumSleep = .milliseconds(200)
        change(&configuration)
        return configuration
    }

    /// A scheduler of this fixture.
    func scheduler(id: String = SchedulerService.defaultID(), configuration: SchedulerConfiguration? = nil) -> SchedulerService {
        SchedulerService(
            configuration: configuration ?? self.configuration(), postgres: self.postgres, redis: self.redis, enqueuer: self.enqueuer(), refresher: nil,
            logger: Logger(label: "test"), id: id, keys: self.schedulerKeys)
    }
}
