import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Recorder
import Redis
import TestSupport
import Testing

/// A migrated PostgreSQL schema of its own, a queue of its own in the test Redis, and helpers that write rows and
/// stream entries the way the API and the broker do. ``with(postgresURL:_:)`` cleans everything up afterwards.
struct RecorderFixture {
    let postgres: PostgresClient
    let redis: RedisClient
    let broker: RedisJobBroker
    let queue: String
    let keys: QueueKeys
    let schema: String

    /// The queue's results stream.
    var stream: String { self.keys.results }

    /// Runs `body` with a fresh schema (migrated) on `postgresURL` (the shared test server by default) and a new
    /// queue; drops both afterwards, also when `body` throws. `acquireTimeout` bounds how long a query waits for the
    /// server to accept connections again.
    static func with(
        postgresURL: String? = nil, acquireTimeout: Duration? = nil, _ body: (RecorderFixture) async throws -> Void
    ) async throws {
        let url: String = if let postgresURL { postgresURL } else { try await TestEnvironment.postgresURL() }
        let schema = TestEnvironment.uniqueName("rec")
        var admin = try PostgresConfiguration(url: url)
        admin.poolSize = 1
        let adminClient = PostgresClient(configuration: admin, logger: Logger(label: "test"))
        _ = try await adminClient.execute("CREATE SCHEMA \(identifier: schema)")
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 2
        configuration.runtimeParameters["search_path"] = schema
        if let acquireTimeout { configuration.acquireTimeout = acquireTimeout }
        let postgres = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
        var redisConfiguration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        redisConfiguration.poolSize = 2
        redisConfiguration.blockingPoolSize = 2
        let redis = RedisClient(configuration: redisConfiguration, logger: Logger(label: "test"))
        let queue = TestEnvironment.uniqueName("rec").lowercased()
        let fixture = RecorderFixture(
            postgres: postgres, redis: redis, broker: RedisJobBroker(client: redis), queue: queue, keys: try QueueKeys(queue: queue),
            schema: schema)
        do {
            _ = try await MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: Logger(label: "test")).run()
            try await body(fixture)
        } catch {
            await fixture.finish(admin: adminClient)
            throw error
        }
        await fixture.finish(admin: adminClient)
    }

    /// Drops the schema and the queue's keys; shuts the clients down.
    func finish(admin: PostgresClient) async {
        await self.postgres.shutdown()
        _ = try? await admin.execute("DROP SCHEMA \(identifier: self.schema) CASCADE")
        await admin.shutdown()
        if let found = try? await self.redis.send(["KEYS", "\(self.keys.base):*"]).array?.compactMap(\.string), !found.isEmpty {
            _ = try? await self.redis.send(["UNLINK"] + found)
        }
        await self.redis.shutdown()
    }

    /// A recorder of this queue, with test timings: short reads, back-offs and claim intervals.
    func recorder(
        consumer: String? = nil, claimIdle: Duration = .seconds(60), logger: Logger = Logger(label: "test"),
        configure: (inout RecorderConfiguration) -> Void = { _ in }
    ) throws -> ResultRecorder {
        var configuration = RecorderConfiguration()
        configuration.queues = [self.queue]
        if let consumer { configuration.consumer = consumer }
        configuration.blockTimeout = .milliseconds(200)
        configuration.claimIdle = claimIdle
        configuration.claimInterval = .milliseconds(200)
        configuration.trimInterval = .milliseconds(200)
        configuration.retryBackoff = .milliseconds(50)
        configuration.maximumRetryBackoff = .milliseconds(400)
        configure(&configuration)
        return try ResultRecorder(
            broker: self.broker, applier: ResultApplier(client: self.postgres, logger: logger), configuration: configuration, logger: logger)
    }

    // MARK: - Rows

    /// Inserts an account; returns its id.
    func account(status: String = "active") async throws -> UUID {
        let id = UUID()
        let cooldown: Date? = status == "cooldown" ? Date().addingTimeInterval(60) : nil
        _ = try await self.postgres.execute(
            "INSERT INTO accounts (id, open_id, nickname, status, cooldown_until) VALUES (\(id), \("open-\(id)"), 'Creator', \(status), \(cooldown))")
        return id
    }

    /// Inserts a campaign (its media list and settings left empty); returns its id.
    func campaign(status: String = "running") async throws -> UUID {
        let id = UUID()
        _ = try await self.postgres.execute("INSERT INTO campaigns (id, name, status) VALUES (\(id), 'Spring', \(status))")
        return id
    }

    /// Inserts a media row and a post of `account` in `status`; returns the post's id.
    func post(account: UUID, campaign: UUID? = nil, status: String = "queued") async throws -> UUID {
        let media = UUID()
        let post = UUID()
        _ = try await self.postgres.execute(
            "INSERT INTO media (id, path, size_bytes, sha256) VALUES (\(media), \("videos/\(media).mp4"), 1000, \([UInt8](repeating: 7, count: 32)))")
        let terminal = ["completed", "failed", "cancelled"].contains(status)
        _ = try await self.postgres.execute("""
            INSERT INTO posts (id, campaign_id, account_id, media_id, queue, status, run_at, idempotency_key, finished_at, error_code)
            VALUES (\(post), \(campaign), \(account), \(media), \(self.queue), \(status), now(), \("key-\(post)"),
                    \(terminal ? Date() : nil), \(status == "failed" ? "seeded" : nil))
            """)
        return post
    }

    /// One column of a post.
    func post<T: PostgresDecodable>(_ id: UUID, _ column: String, as type: T.Type = T.self) async throws -> T {
        let rows = try await self.postgres.query("SELECT * FROM posts WHERE id = \(id)")
        return try rows[0].decode(column, as: T.self)
    }

    /// The post's history: (event, to_status, stream_id), oldest first.
    func history(_ post: UUID) async throws -> [(event: String, to: String?, streamID: String?)] {
        try await self.postgres.query("SELECT event, to_status, stream_id FROM post_events WHERE post_id = \(post) ORDER BY id").map {
            (try $0.decode("event"), try $0.decode("to_status"), try $0.decode("stream_id"))
        }
    }

    /// One column of a row of `table` (`accounts`, `campaigns`).
    func column<T: PostgresDecodable>(_ table: String, _ id: UUID, _ column: String, as type: T.Type = T.self) async throws -> T {
        let rows = try await self.postgres.query("SELECT * FROM \(identifier: table) WHERE id = \(id)")
        return try rows[0].decode(column, as: T.self)
    }

    // MARK: - Stream

    /// Appends a result entry the way the broker's scripts do (`XADD <stream> MAXLEN ~ … * event … job … …`); returns
    /// its id.
    @discardableResult
    func append(
        _ kind: ResultEvent.Kind, post: UUID, attempt: Int = 1, at: Date = Date(), error: String? = nil, runAt: Date? = nil,
        name: String = "reelay.publish.video"
    ) async throws -> String {
        var command = [
            "XADD", self.stream, "MAXLEN", "~", "100000", "*", ResultEventField.event, kind.rawValue, ResultEventField.job,
            post.uuidString.lowercased(), ResultEventField.name, name, ResultEventField.attempt, String(attempt), ResultEventField.at,
            String(Int64(at.timeIntervalSince1970 * 1000)),
        ]
        if let error { command += [ResultEventField.error, error] }
        if let runAt { command += [ResultEventField.runAt, String(Int64(runAt.timeIntervalSince1970 * 1000))] }
        return try await self.redis.send(command).asString()
    }

    /// Writes the job hash's checkpoint JSON, as the publish pipeline does.
    func checkpoint(_ post: UUID, _ json: String) async throws {
        _ = try await self.redis.send(["HSET", self.keys.job(JobID(post)), JobHashField.checkpoint, json])
    }

    /// Entries of the group not acknowledged yet (`XPENDING` summary count).
    func pendingCount(group: String = "reelay-recorder") async throws -> Int {
        try await self.redis.send(["XPENDING", self.stream, group]).asArray().first?.int ?? 0
    }

    /// Entries in the stream.
    func streamLength() async throws -> Int { try await self.redis.send(["XLEN", self.stream]).asInt() }
}
