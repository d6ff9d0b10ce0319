public import Domain
public import Foundation
public import JobQueue
public import Logging
public import Postgres
public import Redis

/// Pushes posts that PostgreSQL holds as `queued` (the outbox) to the job queue, each on its post's queue. Job id =
/// post id, so a post Redis already holds is left alone and a push repeated after a lost reply is harmless: this is
/// what makes the outbox safe to sweep.
public struct PostEnqueuer: Sendable {
    let postgres: PostgresClient
    let broker: RedisJobBroker
    let factory: PostJobFactory
    let logger: Logger

    /// Posts sent to Redis per call (a chunk is built while the previous one is in flight).
    public static let chunkSize = 1000

    /// An enqueuer writing through `redis`.
    public init(postgres: PostgresClient, redis: RedisClient, factory: PostJobFactory, logger: Logger) {
        self.postgres = postgres
        self.broker = RedisJobBroker(client: redis)
        self.factory = factory
        self.logger = logger
    }

    /// Enqueues `posts` (due ones to ready, later ones to the scheduled set at their exact run time), in chunks of
    /// ``chunkSize`` with up to three in flight, so encoding the next overlaps Redis running the last.
    /// - Returns: How many were new to Redis (the others it held already).
    @discardableResult
    public func enqueue(_ posts: [PlannedPost], now: Date) async throws -> Int {
        guard !posts.isEmpty else { return 0 }
        // Hex once per media, not once per post (10k posts may share a handful of files).
        let digests = try await MediaRepository(client: self.postgres).sha256s(ids: Array(Set(posts.map(\.mediaID)))).mapValues(PostJobFactory.hex)
        var chunks: [(queue: String, posts: ArraySlice<PlannedPost>)] = []
        for (queue, group) in Dictionary(grouping: posts, by: \.queue) {
            for start in stride(from: 0, to: group.count, by: Self.chunkSize) {
                chunks.append((queue, group[start..<min(start + Self.chunkSize, group.count)]))
            }
        }
        let factory = self.factory
        let broker = self.broker
        return try await withThrowingTaskGroup(of: Int.self) { group in
            var created = 0
            for (index, chunk) in chunks.enumerated() {
                if index >= 3, let done = try await group.next() { created += done }
                group.addTask {
                    let requests = try factory.requests(chunk.posts, digests: digests, now: now)
                    let outcomes = try await broker.enqueue(requests, queue: chunk.queue, now: now)
                    return outcomes.filter { if case .enqueued = $0 { true } else { false } }.count
                }
            }
            for try await done in group { created += done }
            return created
        }
    }

    /// Enqueues the posts among `ids` that PostgreSQL holds as `queued`; others are left alone.
    @discardableResult
    public func enqueue(ids: [UUID], now: Date) async throws -> Int {
        var planned: [PlannedPost] = []
        for row in try await PostRepository(client: self.postgres).publishRows(ids) where row.status == .queued {
            guard let post = PlannedPost(publishRow: row) else {
                self.logger.error("a queued post has unreadable post settings; not enqueued", metadata: ["job.id": "\(row.postID.uuidString.lowercased())"])
                continue
            }
            planned.append(post)
        }
        return try await self.enqueue(planned, now: now)
    }
}

extension PlannedPost {
    /// A publish row as a planned post (what ``PostEnqueuer`` takes); `nil` when a direct post's settings do not read
    /// (validation keeps them readable). An inbox post without settings gets `SELF_ONLY` (inbox drafts carry none).
    public init?(publishRow row: PublishRow) {
        let mode: Campaign.Mode = row.mode == .inbox ? .inbox : .directPost
        let decoded = PostSettings(jsonObject: row.postSettings)
        guard let settings = decoded ?? (mode == .inbox ? PostSettings(privacyLevel: .selfOnly) : nil) else { return nil }
        self.init(
            id: row.postID, index: 0, accountID: row.accountID, mediaID: row.mediaID, mediaPath: row.mediaPath, sizeBytes: row.mediaSizeBytes,
            contentType: row.contentType, durationSeconds: row.durationSeconds, mode: mode, postSettings: settings, caption: row.caption,
            runAt: row.runAt, status: row.status, maxAttempts: row.maxAttempts, queue: row.queue, dailyCap: row.dailyCap, timeZone: row.timezone,
            idempotencyKey: "")
        self.traceParent = row.traceParent
    }
}

extension PostSettings {
    /// Stored settings (a JSON object) as ``PostSettings``; `nil` when they do not fit.
    init?(jsonObject: [String: JSONValue]) {
        guard let data = try? JSONEncoder().encode(jsonObject), let settings = try? JSONDecoder().decode(PostSettings.self, from: data) else {
            return nil
        }
        self = settings
    }
}
