public import Foundation
import Postgres

extension PostRepository {
    /// Marks `pending` or `scheduled` posts among `ids` as `queued` (the outbox step before the Redis push), with a
    /// `post.queued` event each. Other ids are left alone.
    /// - Returns: the ids that changed.
    /// - Throws: ``DomainError`` `invalidInput` over 10,000 ids, `database`.
    @discardableResult
    public func markQueued(_ ids: [UUID], actor: String? = nil) async throws(DomainError) -> [UUID] {
        guard ids.count <= 10_000 else { throw DomainError.invalidInput([FieldProblem(field: "ids", problem: "at most 10000 ids")]) }
        guard !ids.isEmpty else { return [] }
        let rows = try await self.client.domainQuery("""
            WITH target AS (
                SELECT id, status FROM posts WHERE id = ANY(\(PostRows.uuidTexts(ids))::uuid[]) AND status IN ('pending', 'scheduled') FOR UPDATE
            ), changed AS (
                UPDATE posts p SET status = 'queued', updated_at = now() FROM target t WHERE p.id = t.id
                RETURNING p.id, t.status AS from_status, p.attempts
            ), events AS (
                INSERT INTO post_events (post_id, event, from_status, to_status, attempt, actor)
                SELECT id, \(PostEvent.Name.queued), from_status, 'queued', attempts, \(actor)::text FROM changed
            )
            SELECT id FROM changed
            """)
        return try Self.ids(rows)
    }

    /// Puts a `failed`, `cancelled` or `missed` post back to `queued` (error cleared, `finished_at` cleared, attempts kept as
    /// history) with a `post.retried` event; the caller then enqueues it again under the same id.
    /// - Throws: ``DomainError`` `notFound`; `invalidState` when the post is not failed or cancelled, or its account or
    ///   media was deleted or the account is disabled; `database`.
    public func retry(id: UUID, actor: String? = nil) async throws(DomainError) -> Post {
        try await self.client.domainTransaction { tx in
            guard let current = try await tx.query("SELECT * FROM posts WHERE id = \(id) FOR UPDATE").first.map(PostRows.post) else {
                throw DomainError.notFound("post", id: id)
            }
            guard current.status == .failed || current.status == .cancelled || current.status == .missed else {
                throw DomainError(.invalidState, "only a failed, cancelled or missed post can be retried; this one is \(current.status.rawValue)")
            }
            let references = try await PostReferences.check(tx, accountIDs: [current.accountID], mediaIDs: [current.mediaID])
            guard references.problems(accountID: current.accountID, mediaID: current.mediaID).isEmpty else {
                throw DomainError(.invalidState, "the post's account is disabled or deleted, or its media was deleted")
            }
            let rows = try await tx.query("""
                UPDATE posts SET status = 'queued', error_code = NULL, error_message = NULL, finished_at = NULL, updated_at = now()
                WHERE id = \(id) RETURNING *
                """)
            guard let row = rows.first else { throw DomainError.notFound("post", id: id) }
            let post = try PostRows.post(row)
            try await tx.execute("""
                INSERT INTO post_events (post_id, event, from_status, to_status, attempt, detail, actor)
                VALUES (\(id), \(PostEvent.Name.retried), \(current.status.rawValue), 'queued', \(post.attempts),
                    jsonb_build_object('previous_error_code', \(current.errorCode)::text), \(actor)::text)
                """)
            return post
        }
    }

    /// Cancels a post that is not finished (`finished_at` set) with a `post.cancelled` event; the caller removes its
    /// job from the queue.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` when it is already finished, `database`.
    public func cancel(id: UUID, actor: String? = nil) async throws(DomainError) -> Post {
        try await self.client.domainTransaction { tx in
            guard let current = try await tx.query("SELECT status FROM posts WHERE id = \(id) FOR UPDATE").first else {
                throw DomainError.notFound("post", id: id)
            }
            let from = try current.decode("status", as: String.self)
            guard PostStatus(rawValue: from)?.isTerminal == false else {
                throw DomainError(.invalidState, "a \(from) post cannot be cancelled")
            }
            let rows = try await tx.query("""
                UPDATE posts SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE id = \(id) RETURNING *
                """)
            guard let row = rows.first else { throw DomainError.notFound("post", id: id) }
            let post = try PostRows.post(row)
            try await tx.execute("""
                INSERT INTO post_events (post_id, event, from_status, to_status, attempt, actor)
                VALUES (\(id), \(PostEvent.Name.cancelled), \(from), 'cancelled', \(post.attempts), \(actor)::text)
                """)
            return post
        }
    }

    /// Retries every `failed` post matching `filter` (its `status` is ignored) whose account and media still exist
    /// and whose account is not disabled, oldest first, at most `limit`; each gets a `post.retried` event.
    /// - Returns: the ids put back to `queued`, for the caller to enqueue.
    /// - Throws: ``DomainError`` `invalidInput` (bad time range, limit outside 1...10,000), `database`.
    public func retryFailed(_ filter: PostFilter = PostFilter(), limit: Int = 10_000, actor: String? = nil) async throws(DomainError) -> [UUID] {
        var problems = filter.problems
        if !(1...10_000).contains(limit) { problems.append(FieldProblem(field: "limit", problem: "must be between 1 and 10000")) }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let rows = try await self.client.domainQuery("""
            WITH target AS (
                SELECT p.id, p.error_code FROM posts p
                JOIN accounts a ON a.id = p.account_id AND a.deleted_at IS NULL AND a.status <> 'disabled'
                JOIN media m ON m.id = p.media_id AND m.deleted_at IS NULL
                WHERE p.status = 'failed'
                  AND (\(filter.campaignID)::uuid IS NULL OR p.campaign_id = \(filter.campaignID)::uuid)
                  AND (\(filter.accountID)::uuid IS NULL OR p.account_id = \(filter.accountID)::uuid)
                  AND (\(filter.from)::timestamptz IS NULL OR p.run_at >= \(filter.from)::timestamptz)
                  AND (\(filter.to)::timestamptz IS NULL OR p.run_at < \(filter.to)::timestamptz)
                ORDER BY p.created_at, p.id
                LIMIT \(limit)
                FOR UPDATE OF p
            ), changed AS (
                UPDATE posts p SET status = 'queued', error_code = NULL, error_message = NULL, finished_at = NULL, updated_at = now()
                FROM target t WHERE p.id = t.id
                RETURNING p.id, p.attempts, t.error_code
            ), events AS (
                INSERT INTO post_events (post_id, event, from_status, to_status, attempt, detail, actor)
                SELECT id, \(PostEvent.Name.retried), 'failed', 'queued', attempts, jsonb_build_object('previous_error_code', error_code),
                    \(actor)::text
                FROM changed
            )
            SELECT id FROM changed
            """)
        return try Self.ids(rows)
    }

    /// The `id` column of `rows`.
    static func ids(_ rows: [PostgresRow]) throws(DomainError) -> [UUID] {
        do {
            return try rows.map { row throws(PostgresError) in try row.decode("id", as: UUID.self) }
        } catch {
            throw DomainError(.database, "an id did not decode", underlying: error)
        }
    }
}
