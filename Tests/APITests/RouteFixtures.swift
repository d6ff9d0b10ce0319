import Domain
import Foundation
import JobQueue
import Postgres
import Testing

@testable import API

/// Records for the route suites, made through Domain's repositories against the harness's PostgreSQL, and small
/// readers of JSON answers.
enum RouteFixtures {
    /// Sealed-looking token bytes (Domain never opens them).
    static func tokens() -> AccountTokens {
        AccountTokens(
            accessTokenCiphertext: Data("sealed-access".utf8), accessTokenExpiresAt: Date().addingTimeInterval(86_400),
            refreshTokenCiphertext: Data("sealed-refresh".utf8), refreshTokenExpiresAt: Date().addingTimeInterval(365 * 86_400), keyID: "k1")
    }

    /// A connected account.
    static func account(_ api: APIHarness, nickname: String = "Creator") async throws -> Account {
        try await AccountRepository(client: api.postgres).upsertConnected(
            ConnectedAccount(openID: "open-\(UUID())", nickname: nickname, username: nil, scopes: ["video.publish"], tokens: Self.tokens()))
    }

    /// A media record with a unique path.
    static func media(_ api: APIHarness) async throws -> Media {
        try await MediaRepository(client: api.postgres).insert(
            NewMedia(
                path: "videos/\(UUID()).mp4", originalName: "clip.mp4", contentType: "video/mp4", sizeBytes: 1_000,
                sha256: Data(repeating: 7, count: 32), probe: ["duration_seconds": .number(12.5)]))
    }

    /// A post written by Domain directly (nothing enqueued), on the harness's queue.
    static func post(_ api: APIHarness, account: UUID, media: UUID, runAt: Date = Date(), status: PostStatus = .scheduled) async throws -> Post {
        try await PostRepository(client: api.postgres).create(
            NewPost(
                accountID: account, mediaID: media, caption: "hello", postSettings: ["privacy_level": .string("SELF_ONLY")], mode: .directPost,
                runAt: runAt, idempotencyKey: "key-\(UUID())", queue: api.configuration.queue, status: status)
        ).post
    }

    /// Forces a post's status as the result recorder would (finished_at and the error code follow the schema's rules).
    static func force(_ api: APIHarness, post: UUID, to status: PostStatus) async throws {
        _ = try await api.postgres.execute("""
            UPDATE posts SET status = \(status.rawValue),
                finished_at = CASE WHEN \(status.isTerminal) THEN now() ELSE NULL END,
                error_code = CASE WHEN \(status.rawValue) = 'failed' THEN 'boom' ELSE NULL END,
                error_message = CASE WHEN \(status.rawValue) = 'failed' THEN 'it broke' ELSE NULL END
            WHERE id = \(post)
            """)
    }

    /// How many rows `table` holds.
    static func count(_ api: APIHarness, _ table: String) async throws -> Int {
        try await api.postgres.query("SELECT count(*) AS n FROM \(identifier: table)").first?.decode("n", as: Int.self) ?? -1
    }

    /// The job of `id` on the harness's queue, as Redis holds it.
    static func job(_ api: APIHarness, _ id: String) async throws -> JobDetail? {
        try await QueueInspector(client: api.redis).job(queue: api.configuration.queue, id: JobID(parsing: id))
    }

    /// The harness queue's figures.
    static func queueStats(_ api: APIHarness) async throws -> QueueStats {
        let inspector = QueueInspector(client: api.redis)
        return try await inspector.stats(queue: api.configuration.queue, now: try await inspector.clock.now())
    }

    /// Makes the next ready job of `queue` dead the way a worker does: claim, start, fail permanently (`age` seconds
    /// ago, so tests order dead jobs without waiting). Returns the lease.
    static func kill(_ api: APIHarness, queue: String, checkpoint: String? = nil, age: TimeInterval = 0) async throws -> LeasedJob? {
        let broker = RedisJobBroker(client: api.redis)
        let now = try await broker.now()
        guard let job = try await broker.claim(queue: queue, worker: "test-worker", limit: 1, leaseDuration: .seconds(60), wait: .zero, now: now).first
        else { return nil }
        _ = await broker.start(job)
        if let checkpoint { try await broker.checkpoint(job, data: checkpoint, now: now) }
        _ = try await broker.fail(job, error: "permanent failure", permanent: true, retryAt: now, now: now.addingTimeInterval(-age))
        return job
    }

    /// Claims the next ready job of `queue` and starts it (a worker running it).
    static func claim(_ api: APIHarness, queue: String) async throws -> LeasedJob? {
        let broker = RedisJobBroker(client: api.redis)
        let now = try await broker.now()
        guard let job = try await broker.claim(queue: queue, worker: "test-worker", limit: 1, leaseDuration: .seconds(60), wait: .zero, now: now).first
        else { return nil }
        _ = await broker.start(job)
        return job
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The `error.code` of an error answer.
    var errorCode: String? { (self["error"] as? [String: Any])?["code"] as? String }

    /// The `field`s of an error answer's details.
    var errorFields: [String] { ((self["error"] as? [String: Any])?["details"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? [] }

    /// The `items` of a list answer.
    var items: [[String: Any]] { self["items"] as? [[String: Any]] ?? [] }
}
