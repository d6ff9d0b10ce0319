public import Foundation
public import Postgres

/// One post to create (`POST /posts`, the post import).
public struct NewPost: Sendable, Hashable {
    /// The account that posts (must exist and not be disabled).
    public var accountID: UUID
    /// The video (must exist).
    public var mediaID: UUID
    /// The campaign, if a campaign planned it.
    public var campaignID: UUID?
    /// The caption, at most 2,200 characters.
    public var caption: String
    /// TikTok `post_info` settings.
    public var postSettings: [String: JSONValue]
    /// Direct post or inbox draft.
    public var mode: Post.Mode
    /// When it should run.
    public var runAt: Date
    /// The caller's key: creating again with it returns the first post.
    public var idempotencyKey: String
    /// Attempts allowed, 1...100.
    public var maxAttempts: Int
    /// The job queue.
    public var queue: String
    /// The first status: `scheduled` (default), `pending`, or `queued` when the caller enqueues right after commit.
    public var status: PostStatus

    /// A post to create.
    public init(
        accountID: UUID, mediaID: UUID, campaignID: UUID? = nil, caption: String, postSettings: [String: JSONValue], mode: Post.Mode,
        runAt: Date, idempotencyKey: String, maxAttempts: Int = 5, queue: String = "publish", status: PostStatus = .scheduled
    ) {
        self.accountID = accountID
        self.mediaID = mediaID
        self.campaignID = campaignID
        self.caption = caption
        self.postSettings = postSettings
        self.mode = mode
        self.runAt = runAt
        self.idempotencyKey = idempotencyKey
        self.maxAttempts = maxAttempts
        self.queue = queue
        self.status = status
    }

    /// Every bad field that can be judged without the database.
    public var problems: [FieldProblem] {
        var problems = PostRules.captionProblems(self.caption) + PostRules.keyProblems(self.idempotencyKey)
            + PostRules.settingsProblems(self.postSettings, mode: self.mode) + PostRules.queueProblems(self.queue)
        if !(1...100).contains(self.maxAttempts) { problems.append(FieldProblem(field: "max_attempts", problem: "must be between 1 and 100")) }
        if ![.pending, .scheduled, .queued].contains(self.status) {
            problems.append(FieldProblem(field: "status", problem: "a new post is pending, scheduled or queued"))
        }
        return problems
    }
}

/// Which posts a list or a bulk retry concerns; `nil` fields do not filter. `from`/`to` bound `run_at` (`from`
/// included, `to` excluded).
public struct PostFilter: Sendable, Hashable {
    /// Only this campaign's posts.
    public var campaignID: UUID?
    /// Only this account's posts.
    public var accountID: UUID?
    /// Only posts in this status.
    public var status: PostStatus?
    /// Only posts due at or after this time.
    public var from: Date?
    /// Only posts due before this time.
    public var to: Date?

    /// A filter.
    public init(campaignID: UUID? = nil, accountID: UUID? = nil, status: PostStatus? = nil, from: Date? = nil, to: Date? = nil) {
        self.campaignID = campaignID
        self.accountID = accountID
        self.status = status
        self.from = from
        self.to = to
    }

    /// `to` before `from`.
    public var problems: [FieldProblem] {
        guard let from = self.from, let to = self.to, to < from else { return [] }
        return [FieldProblem(field: "to", problem: "must not be before from")]
    }
}

/// The `posts` and `post_events` records. Every state change made here writes a `post_events` row in the same
/// transaction.
public struct PostRepository: Sendable {
    /// The database.
    public let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Posts newest first (by creation), filtered.
    /// - Throws: ``DomainError`` `invalidInput` (bad cursor, limit or time range), `database`.
    public func list(_ filter: PostFilter = PostFilter(), page: PageRequest = PageRequest()) async throws(DomainError) -> Page<Post> {
        let problems = page.problems + filter.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let cursor = try page.validate()
        let rows = try await self.client.domainQuery("""
            SELECT * FROM posts
            WHERE (\(filter.campaignID)::uuid IS NULL OR campaign_id = \(filter.campaignID)::uuid)
              AND (\(filter.accountID)::uuid IS NULL OR account_id = \(filter.accountID)::uuid)
              AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue)::text)
              AND (\(filter.from)::timestamptz IS NULL OR run_at >= \(filter.from)::timestamptz)
              AND (\(filter.to)::timestamptz IS NULL OR run_at < \(filter.to)::timestamptz)
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.createdAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.limit + 1)
            """)
        var posts: [Post] = []
        for row in rows { posts.append(try PostRows.post(row)) }
        return Page(fetched: posts, request: page) { PageCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// The post with `id` and its events, oldest first.
    /// - Throws: ``DomainError`` `notFound`, `database`.
    public func get(id: UUID) async throws(DomainError) -> PostDetail {
        let (postRows, eventRows) = try await self.client.domainTransaction { tx in
            (try await tx.query("SELECT * FROM posts WHERE id = \(id)"), try await tx.query("SELECT * FROM post_events WHERE post_id = \(id) ORDER BY id"))
        }
        guard let row = postRows.first else { throw DomainError.notFound("post", id: id) }
        var events: [PostEvent] = []
        for row in eventRows { events.append(try PostRows.event(row)) }
        return PostDetail(post: try PostRows.post(row), events: events)
    }

    /// Creates one post, or returns the post already created with the same idempotency key (`created` false; its
    /// content is not compared).
    /// - Throws: ``DomainError`` `invalidInput` listing every bad field (also a missing or disabled account and
    ///   missing media), `database`.
    public func create(_ post: NewPost, actor: String? = nil) async throws(DomainError) -> (post: Post, created: Bool) {
        let problems = post.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        return try await self.client.domainTransaction { tx in
            if let existing = try await tx.query("SELECT * FROM posts WHERE idempotency_key = \(post.idempotencyKey)").first {
                return (try PostRows.post(existing), false)
            }
            let references = try await PostReferences.check(tx, accountIDs: [post.accountID], mediaIDs: [post.mediaID])
            let problems = references.problems(accountID: post.accountID, mediaID: post.mediaID)
            guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
            let inserted = try await tx.query("""
                INSERT INTO posts (campaign_id, account_id, media_id, queue, status, mode, run_at, caption, post_settings, max_attempts, idempotency_key,
                                   trace_parent)
                VALUES (\(post.campaignID)::uuid, \(post.accountID), \(post.mediaID), \(post.queue), \(post.status.rawValue), \(post.mode.rawValue),
                    \(post.runAt), \(post.caption), \(json: post.postSettings), \(post.maxAttempts), \(post.idempotencyKey), \(PostTrace.parent))
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING *
                """)
            guard let row = inserted.first else {
                // A concurrent create with the same key won.
                guard let existing = try await tx.query("SELECT * FROM posts WHERE idempotency_key = \(post.idempotencyKey)").first else {
                    throw DomainError(.conflict, "a concurrent request with the same idempotency key is in progress")
                }
                return (try PostRows.post(existing), false)
            }
            let created = try PostRows.post(row)
            try await tx.execute("""
                INSERT INTO post_events (post_id, event, to_status, attempt, actor)
                VALUES (\(created.id), \(PostEvent.Name.created), \(created.status.rawValue), 0, \(actor)::text)
                """)
            return (created, true)
        }
    }
}
