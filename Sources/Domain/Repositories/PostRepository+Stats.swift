public import Foundation
import Postgres

/// Figures over the posts due in a time range (`GET /posts/stats`).
public struct PostStats: Sendable, Hashable {
    /// One account's posts.
    public struct AccountFigures: Sendable, Hashable {
        /// The account.
        public var accountID: UUID
        /// Its nickname.
        public var nickname: String
        /// Posts counted, whatever their status.
        public var total: Int
        /// Posts completed.
        public var completed: Int
        /// Posts failed.
        public var failed: Int
    }

    /// The posts due on one UTC day (the day of their `run_at`).
    public struct DayFigures: Sendable, Hashable {
        /// `YYYY-MM-DD` (UTC).
        public var day: String
        /// Posts due that day, whatever their status.
        public var total: Int
        /// Of those, completed.
        public var completed: Int
        /// Of those, failed.
        public var failed: Int
    }

    /// One account's posts due on one UTC day.
    public struct AccountDayFigures: Sendable, Hashable {
        /// The account.
        public var accountID: UUID
        /// `YYYY-MM-DD` (UTC).
        public var day: String
        /// Posts due that day, whatever their status.
        public var total: Int
        /// Of those, completed.
        public var completed: Int
        /// Of those, failed.
        public var failed: Int
    }

    /// Posts per status; every status is present (0 when none).
    public var byStatus: [PostStatus: Int]
    /// Per account with posts in the range, by nickname.
    public var perAccount: [AccountFigures]
    /// Per UTC day of `run_at` with posts, oldest first.
    public var perDay: [DayFigures]
    /// Per account and UTC day of `run_at`, by day then account.
    public var perAccountDay: [AccountDayFigures] = []
    /// completed / (completed + failed); `nil` when neither.
    public var successRate: Double?
    /// Median seconds from when a completed post was due (its run time, or its creation if later) to its finish;
    /// `nil` without completed posts.
    public var medianSecondsToPublish: Double?

    /// All posts counted.
    public var total: Int { self.byStatus.values.reduce(0, +) }
}

/// What the API needs to build one publish job: the post, its media file and its account's limits.
public struct PublishRow: Sendable, Hashable {
    /// The post (and job) id.
    public var postID: UUID
    /// The post's status now (the caller enqueues `queued` ones).
    public var status: PostStatus
    /// The job queue.
    public var queue: String
    /// The account.
    public var accountID: UUID
    /// The video.
    public var mediaID: UUID
    /// The file, relative to the media root.
    public var mediaPath: String
    /// The file's size in bytes.
    public var mediaSizeBytes: Int64
    /// The container's MIME type.
    public var contentType: String
    /// `media.probe.duration_seconds`, when a number.
    public var durationSeconds: Double?
    /// Direct post or inbox draft.
    public var mode: Post.Mode
    /// TikTok `post_info` settings.
    public var postSettings: [String: JSONValue]
    /// The caption.
    public var caption: String
    /// The account's daily cap.
    public var dailyCap: Int
    /// The account's time zone.
    public var timezone: String
    /// When the post should run.
    public var runAt: Date
    /// Attempts allowed.
    public var maxAttempts: Int
    /// The W3C `traceparent` of the request that created the post (`posts.trace_parent`).
    public var traceParent: String?
}

extension PostRepository {
    /// ``stats(_:)`` over posts due in `[from, to)` (no bound when `nil`).
    public func stats(from: Date? = nil, to: Date? = nil) async throws(DomainError) -> PostStats {
        try await self.stats(PostFilter(from: from, to: to))
    }

    /// Counts by status, per account, per day, the success rate and the median time to publish, over the posts that
    /// match `filter` (its campaign, account and `[from, to)` run-time range; its `status` is ignored). Per-day figures
    /// group posts by the UTC day of their `run_at`.
    /// - Throws: ``DomainError`` `invalidInput` (`to` before `from`), `database`.
    public func stats(_ filter: PostFilter) async throws(DomainError) -> PostStats {
        guard filter.problems.isEmpty else { throw DomainError.invalidInput(filter.problems) }
        let (from, to, campaign, account) = (filter.from, filter.to, filter.campaignID, filter.accountID)
        do {
            return try await self.client.withTransaction { tx in
                try await tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                var byStatus = Dictionary(uniqueKeysWithValues: PostStatus.allCases.map { ($0, 0) })
                for row in try await tx.query("""
                    SELECT status, count(*) AS n FROM posts
                    WHERE (\(from)::timestamptz IS NULL OR run_at >= \(from)::timestamptz) AND (\(to)::timestamptz IS NULL OR run_at < \(to)::timestamptz)
                      AND (\(campaign)::uuid IS NULL OR campaign_id = \(campaign)::uuid) AND (\(account)::uuid IS NULL OR account_id = \(account)::uuid)
                    GROUP BY status
                    """)
                {
                    if let status = PostStatus(rawValue: try row.decode("status")) { byStatus[status] = try row.decode("n", as: Int.self) }
                }
                let accounts = try await tx.query("""
                    SELECT a.id, a.nickname, count(*) AS total, count(*) FILTER (WHERE p.status = 'completed') AS completed,
                        count(*) FILTER (WHERE p.status = 'failed') AS failed
                    FROM posts p JOIN accounts a ON a.id = p.account_id
                    WHERE (\(from)::timestamptz IS NULL OR p.run_at >= \(from)::timestamptz) AND (\(to)::timestamptz IS NULL OR p.run_at < \(to)::timestamptz)
                      AND (\(campaign)::uuid IS NULL OR p.campaign_id = \(campaign)::uuid) AND (\(account)::uuid IS NULL OR p.account_id = \(account)::uuid)
                    GROUP BY a.id, a.nickname ORDER BY a.nickname, a.id
                    """).map { row in
                    PostStats.AccountFigures(
                        accountID: try row.decode("id"), nickname: try row.decode("nickname"), total: try row.decode("total"),
                        completed: try row.decode("completed"),
                        failed: try row.decode("failed"))
                }
                let days = try await tx.query("""
                    SELECT to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS total,
                        count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed
                    FROM posts
                    WHERE (\(from)::timestamptz IS NULL OR run_at >= \(from)::timestamptz) AND (\(to)::timestamptz IS NULL OR run_at < \(to)::timestamptz)
                      AND (\(campaign)::uuid IS NULL OR campaign_id = \(campaign)::uuid) AND (\(account)::uuid IS NULL OR account_id = \(account)::uuid)
                    GROUP BY 1 ORDER BY 1
                    """).map { row in
                    PostStats.DayFigures(
                        day: try row.decode("day"), total: try row.decode("total"), completed: try row.decode("completed"),
                        failed: try row.decode("failed"))
                }
                let accountDays = try await tx.query("""
                    SELECT account_id, to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS total,
                        count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed
                    FROM posts
                    WHERE (\(from)::timestamptz IS NULL OR run_at >= \(from)::timestamptz) AND (\(to)::timestamptz IS NULL OR run_at < \(to)::timestamptz)
                      AND (\(campaign)::uuid IS NULL OR campaign_id = \(campaign)::uuid) AND (\(account)::uuid IS NULL OR account_id = \(account)::uuid)
                    GROUP BY 1, 2 ORDER BY 2, 1
                    """).map { row in
                    PostStats.AccountDayFigures(
                        accountID: try row.decode("account_id"), day: try row.decode("day"), total: try row.decode("total"),
                        completed: try row.decode("completed"), failed: try row.decode("failed"))
                }
                let median = try await tx.query("""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - GREATEST(created_at, run_at))::float8) AS median
                    FROM posts
                    WHERE status = 'completed'
                      AND (\(from)::timestamptz IS NULL OR run_at >= \(from)::timestamptz) AND (\(to)::timestamptz IS NULL OR run_at < \(to)::timestamptz)
                      AND (\(campaign)::uuid IS NULL OR campaign_id = \(campaign)::uuid) AND (\(account)::uuid IS NULL OR account_id = \(account)::uuid)
                    """).first?.decode("median", as: Double?.self)
                let completed = byStatus[.completed] ?? 0
                let failed = byStatus[.failed] ?? 0
                return PostStats(
                    byStatus: byStatus, perAccount: accounts, perDay: days, perAccountDay: accountDays,
                    successRate: completed + failed > 0 ? Double(completed) / Double(completed + failed) : nil,
                    medianSecondsToPublish: median.map { max(0, $0) })
            }
        } catch {
            throw DomainError.wrap(error)
        }
    }

    /// The job data of the posts `ids` (those that exist), ordered by run time.
    /// - Throws: ``DomainError`` `invalidInput` over 10,000 ids, `database`.
    public func publishRows(_ ids: [UUID]) async throws(DomainError) -> [PublishRow] {
        guard ids.count <= 10_000 else { throw DomainError.invalidInput([FieldProblem(field: "ids", problem: "at most 10000 ids")]) }
        guard !ids.isEmpty else { return [] }
        let rows = try await self.client.domainQuery("""
            SELECT p.id, p.status, p.queue, p.account_id, p.media_id, p.mode, p.post_settings, p.caption, p.run_at, p.max_attempts, p.trace_parent,
                m.path, m.size_bytes, m.content_type,
                CASE WHEN jsonb_typeof(m.probe -> 'duration_seconds') = 'number' THEN (m.probe ->> 'duration_seconds')::float8 END AS duration,
                a.daily_cap, a.timezone
            FROM posts p JOIN media m ON m.id = p.media_id JOIN accounts a ON a.id = p.account_id
            WHERE p.id = ANY(\(PostRows.uuidTexts(ids))::uuid[])
            ORDER BY p.run_at, p.id
            """)
        do {
            return try rows.map { row throws(PostgresError) in
                PublishRow(
                    postID: try row.decode("id"), status: PostStatus(rawValue: try row.decode("status")) ?? .pending, queue: try row.decode("queue"),
                    accountID: try row.decode("account_id"), mediaID: try row.decode("media_id"), mediaPath: try row.decode("path"), mediaSizeBytes: try row.decode("size_bytes"),
                    contentType: try row.decode("content_type"), durationSeconds: try row.decode("duration"),
                    mode: Post.Mode(rawValue: try row.decode("mode")) ?? .directPost, postSettings: try row.decodeJSON("post_settings"),
                    caption: try row.decode("caption"), dailyCap: try row.decode("daily_cap"), timezone: try row.decode("timezone"),
                    runAt: try row.decode("run_at"), maxAttempts: try row.decode("max_attempts"), traceParent: try row.decode("trace_parent"))
            }
        } catch {
            throw DomainError(.database, "a publish row did not decode", underlying: error)
        }
    }
}
