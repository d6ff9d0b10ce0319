public import Foundation
public import Postgres

/// The scheduler's reads and writes of PostgreSQL: loading timed posts that come due (the misfire policy included),
/// the outbox reconciler's questions, the health figures, and the accounts whose tokens to refresh. Every write runs in
/// a transaction that first presents the leader's ``SchedulerFence``.
public struct SchedulerRepository: Sendable {
    let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Event names the scheduler writes.
    public enum EventName {
        /// A timed post was handed to the job queue (status `scheduled` → `queued`).
        public static let queued = PostEvent.Name.queued
        /// A timed post's run time passed by more than the misfire window (→ `missed`).
        public static let missed = "post.missed"
        /// The outbox reconciler pushed a `queued` post again that Redis did not know.
        public static let requeued = "post.requeued"
    }

    /// What one load pass did.
    public struct LoadResult: Sendable, Hashable {
        /// Posts set `queued` (the caller pushes them to Redis now, at their exact run time).
        public var queued: [UUID] = []
        /// Posts set `missed`.
        public var missed: [UUID] = []
        /// Campaigns that went from `scheduled` to `running`.
        public var campaignsStarted = 0
        /// Campaigns completed because their last posts were missed.
        public var campaignsCompleted = 0
    }

    /// One pass of the timed-post loader, in one fenced transaction:
    /// 1. **Misfire policy**: `scheduled` posts due more than `misfireWindow` before `now` become `missed` (error code
    ///    `missed`, the due time in the message, a `post.missed` event); a campaign whose posts are now all finished
    ///    completes. Posts due less than `misfireWindow` ago are still fired (late) by step 2.
    /// 2. `scheduled` posts due by `now + lookAhead` (at most `limit`, earliest first) become `queued` with a
    ///    `post.queued` event — the outbox: the caller pushes them to Redis with their exact run time after the commit,
    ///    and the outbox reconciler covers a push that is lost. Their campaigns go `scheduled` → `running`.
    ///
    /// Posts of paused campaigns are left as they are. Rows locked by another transaction are skipped, not waited for.
    /// - Parameter now: Redis's time (run times are compared with the clock that fires them).
    /// - Throws: ``DomainError`` `staleLeader` (another scheduler leads), `database`.
    public func loadDue(now: Date, lookAhead: TimeInterval, misfireWindow: TimeInterval, limit: Int, fence: SchedulerFence) async throws(DomainError) -> LoadResult {
        try await self.client.domainTransaction { connection in
            try await connection.claimFence(fence)
            var result = LoadResult()
            let missedRows = try await connection.query(
                """
                WITH late AS (
                    SELECT p.id FROM posts p LEFT JOIN campaigns c ON c.id = p.campaign_id
                    WHERE p.status = 'scheduled' AND p.run_at < \(now.addingTimeInterval(-misfireWindow)) AND (c.id IS NULL OR c.status <> 'paused')
                    ORDER BY p.run_at LIMIT \(limit) FOR UPDATE OF p SKIP LOCKED
                ), missed AS (
                    UPDATE posts p SET status = 'missed', error_code = 'missed',
                        error_message = 'due at ' || to_char(p.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                            || ', more than the misfire window (' || \(Int(misfireWindow))::text || ' s) before a scheduler could fire it '
                            || '(no scheduler ran, or its campaign was paused)',
                        finished_at = now(), updated_at = now()
                    FROM late WHERE p.id = late.id
                    RETURNING p.id, p.campaign_id, p.run_at
                ), events AS (
                    INSERT INTO post_events (post_id, event, from_status, to_status, detail, actor)
                    SELECT id, \(EventName.missed), 'scheduled', 'missed',
                           jsonb_build_object('due_at', run_at, 'misfire_window_seconds', \(Int(misfireWindow))), 'scheduler'
                    FROM missed
                )
                SELECT id, campaign_id FROM missed
                """)
            var finishedCampaigns: Set<UUID> = []
            for row in missedRows {
                result.missed.append(try row.decode("id"))
                if let campaign: UUID = try row.decode("campaign_id") { finishedCampaigns.insert(campaign) }
            }
            let queuedRows = try await connection.query(
                """
                WITH due AS (
                    SELECT p.id FROM posts p LEFT JOIN campaigns c ON c.id = p.campaign_id
                    WHERE p.status = 'scheduled' AND p.run_at <= \(now.addingTimeInterval(lookAhead)) AND (c.id IS NULL OR c.status <> 'paused')
                    ORDER BY p.run_at LIMIT \(limit) FOR UPDATE OF p SKIP LOCKED
                ), queued AS (
                    UPDATE posts p SET status = 'queued', updated_at = now() FROM due WHERE p.id = due.id
                    RETURNING p.id, p.campaign_id, p.run_at
                ), events AS (
                    INSERT INTO post_events (post_id, event, from_status, to_status, detail, actor)
                    SELECT id, \(EventName.queued), 'scheduled', 'queued', jsonb_build_object('run_at', run_at), 'scheduler' FROM queued
                )
                SELECT id, campaign_id FROM queued
                """)
            var startedCampaigns: Set<UUID> = []
            for row in queuedRows {
                result.queued.append(try row.decode("id"))
                if let campaign: UUID = try row.decode("campaign_id") { startedCampaigns.insert(campaign) }
            }
            if !startedCampaigns.isEmpty {
                let ids = startedCampaigns.map { $0.uuidString.lowercased() }.sorted()
                result.campaignsStarted = try await connection.execute(
                    "UPDATE campaigns SET status = 'running', updated_at = now() WHERE id = ANY(\(ids)::uuid[]) AND status = 'scheduled'")
            }
            if !finishedCampaigns.isEmpty {
                // Locked in id order first, as the result recorder does, so the two never deadlock.
                let ids = finishedCampaigns.map { $0.uuidString.lowercased() }.sorted()
                _ = try await connection.query("SELECT id FROM campaigns WHERE id = ANY(\(ids)::uuid[]) ORDER BY id FOR UPDATE")
                result.campaignsCompleted = try await connection.execute(
                    """
                    UPDATE campaigns c SET status = 'completed', updated_at = now()
                    WHERE c.id = ANY(\(ids)::uuid[]) AND c.status IN ('running', 'scheduled')
                      AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.campaign_id = c.id AND p.status <> ALL(\(CampaignRepository.terminalPostStatuses)))
                    """)
            }
            return result
        }
    }
}
