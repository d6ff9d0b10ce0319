public import Foundation
import Postgres

extension SchedulerRepository {
    /// Posts `queued` in PostgreSQL whose last change is older than `grace` (by PostgreSQL's clock, which also stamped
    /// the change), oldest first: the outbox rows Redis may not know.
    /// - Throws: ``DomainError`` `database`.
    public func outboxCandidates(grace: TimeInterval, limit: Int) async throws(DomainError) -> [UUID] {
        let rows = try await self.client.domainQuery(
            """
            SELECT id FROM posts WHERE status = 'queued' AND updated_at < now() - make_interval(secs => \(grace))
            ORDER BY updated_at LIMIT \(limit)
            """)
        do {
            return try rows.map { row throws(PostgresError) in try row.decode("id") }
        } catch {
            throw DomainError(.database, "an outbox row did not decode", underlying: error)
        }
    }

    /// The posts among `ids` that have an event recorded after their latest change to `queued` (or, with no such
    /// change on record, any event but `post.created`): a worker ran them, so their jobs must never be made again.
    /// - Throws: ``DomainError`` `database`.
    public func postsThatRanSinceQueued(_ ids: [UUID]) async throws(DomainError) -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let texts = ids.map { $0.uuidString.lowercased() }
        let rows = try await self.client.domainQuery(
            """
            WITH marks AS (
                SELECT p.id AS post_id,
                       (SELECT max(e.id) FROM post_events e WHERE e.post_id = p.id AND e.to_status = 'queued') AS queued_event
                FROM posts p WHERE p.id = ANY(\(texts)::uuid[])
            )
            SELECT m.post_id FROM marks m
            WHERE EXISTS (
                SELECT 1 FROM post_events e
                WHERE e.post_id = m.post_id
                  AND (CASE WHEN m.queued_event IS NULL THEN e.event <> \(PostEvent.Name.created) ELSE e.id > m.queued_event END)
            )
            """)
        do {
            return Set(try rows.map { row throws(PostgresError) in try row.decode("post_id") })
        } catch {
            throw DomainError(.database, "an outbox row did not decode", underlying: error)
        }
    }

    /// Marks `ids` (those still `queued`) as pushed again by the outbox reconciler, in one fenced transaction: a
    /// `post.requeued` event (from `queued` to `queued`, so it is the post's newest queued mark) and `updated_at` now,
    /// so the next sweep waits the grace period again.
    /// - Returns: The ids still `queued` (the caller pushes those).
    /// - Throws: ``DomainError`` `staleLeader`, `database`.
    public func markRequeued(_ ids: [UUID], fence: SchedulerFence) async throws(DomainError) -> [UUID] {
        guard !ids.isEmpty else { return [] }
        let texts = ids.map { $0.uuidString.lowercased() }
        return try await self.client.domainTransaction { connection in
            try await connection.claimFence(fence)
            let rows = try await connection.query(
                """
                WITH touched AS (
                    UPDATE posts SET updated_at = now() WHERE id = ANY(\(texts)::uuid[]) AND status = 'queued' RETURNING id
                ), events AS (
                    INSERT INTO post_events (post_id, event, from_status, to_status, detail, actor)
                    SELECT id, \(EventName.requeued), 'queued', 'queued',
                           jsonb_build_object('reason', 'queued in PostgreSQL but unknown to the job queue after the outbox grace period'), 'scheduler'
                    FROM touched
                )
                SELECT id FROM touched
                """)
            return try rows.map { row in try row.decode("id", as: UUID.self) }
        }
    }
}
