public import Foundation
import Postgres

/// What cancelling a campaign did.
public struct CampaignCancellation: Sendable, Hashable {
    /// The campaign, now `cancelled`.
    public var campaign: Campaign
    /// The posts moved to `cancelled` (they were `pending`, `scheduled`, `queued` or `retrying`): remove their jobs from
    /// the job queue.
    public var cancelledPostIDs: [UUID]
    /// The posts left as they were because a worker already holds them (`running`, `unconfirmed`): a publish handed to
    /// TikTok cannot be called back, so their results are still recorded.
    public var inFlightPostIDs: [UUID]

    /// A cancellation outcome.
    public init(campaign: Campaign, cancelledPostIDs: [UUID], inFlightPostIDs: [UUID]) {
        self.campaign = campaign
        self.cancelledPostIDs = cancelledPostIDs
        self.inFlightPostIDs = inFlightPostIDs
    }
}

/// A campaign's posts counted by status.
public struct CampaignProgress: Sendable, Hashable {
    /// The campaign.
    public var campaignID: UUID
    /// The campaign's status.
    public var status: Campaign.Status
    /// Every post of the campaign.
    public var total: Int
    /// Posts per status; every status is present, zero included.
    public var byStatus: [PostStatus: Int]

    /// A progress report.
    public init(campaignID: UUID, status: Campaign.Status, total: Int, byStatus: [PostStatus: Int]) {
        self.campaignID = campaignID
        self.status = status
        self.total = total
        self.byStatus = byStatus
    }
}

extension CampaignRepository {
    /// The post statuses a campaign cancel moves to `cancelled`: those no worker holds yet.
    static let cancellablePostStatuses: [String] = [PostStatus.pending, .scheduled, .queued, .retrying].map(\.rawValue)
    /// The post statuses of work a worker holds.
    static let inFlightPostStatuses: [String] = [PostStatus.running, .unconfirmed].map(\.rawValue)

    /// Pauses a `scheduled` or `running` campaign. Its posts keep their rows; holding back jobs already in the job queue
    /// is the caller's business.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` (a draft, or already paused or finished), `database`.
    public func pause(_ id: UUID) async throws(DomainError) -> Campaign {
        try await self.client.domainTransaction { connection in
            let campaign = try await connection.lockedCampaign(id)
            guard campaign.status == .scheduled || campaign.status == .running else {
                throw DomainError(.invalidState, "campaign \(id) is \(campaign.status.rawValue); only a scheduled or running campaign can be paused")
            }
            try await connection.execute("UPDATE campaigns SET status = 'paused', updated_at = now() WHERE id = \(id)")
            return try await connection.lockedCampaign(id)
        }
    }

    /// Resumes a `paused` campaign: `completed` when every post has finished meanwhile, `running` when a post is due
    /// within a minute of `now`, else `scheduled`.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` (not paused), `database`.
    public func resume(_ id: UUID, now: Date = Date()) async throws(DomainError) -> Campaign {
        try await self.client.domainTransaction { connection in
            let campaign = try await connection.lockedCampaign(id)
            guard campaign.status == .paused else {
                throw DomainError(.invalidState, "campaign \(id) is \(campaign.status.rawValue); only a paused campaign can be resumed")
            }
            let rows = try await connection.query(
                """
                SELECT count(*) AS unfinished, count(*) FILTER (WHERE run_at <= \(now.addingTimeInterval(CampaignStarter.queueHorizon))) AS due
                FROM posts WHERE campaign_id = \(id) AND status <> ALL(\(Self.terminalPostStatuses))
                """)
            let unfinished = try rows.first?.decode("unfinished", as: Int.self) ?? 0
            let due = try rows.first?.decode("due", as: Int.self) ?? 0
            let status: Campaign.Status = unfinished == 0 ? .completed : due > 0 ? .running : .scheduled
            try await connection.execute("UPDATE campaigns SET status = \(status.rawValue), updated_at = now() WHERE id = \(id)")
            return try await connection.lockedCampaign(id)
        }
    }

    /// Cancels a campaign that has not finished, and in the same transaction every post of it that no worker holds yet
    /// (writing a `post.cancelled` event for each). A draft is cancelled too (it has no posts).
    /// - Parameters:
    ///   - now: The posts' `finished_at`.
    ///   - actor: Who cancelled (`api_key:<id>`), recorded on the events.
    /// - Returns: The campaign and the ids of the posts cancelled, to remove from the job queue.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` (already completed or cancelled), `database`.
    public func cancel(_ id: UUID, now: Date = Date(), actor: String? = nil) async throws(DomainError) -> CampaignCancellation {
        try await self.client.domainTransaction { connection in
            let campaign = try await connection.lockedCampaign(id)
            guard !campaign.status.isTerminal else {
                throw DomainError(.invalidState, "campaign \(id) is already \(campaign.status.rawValue)")
            }
            let cancelled = try await connection.query(
                """
                WITH target AS (
                    SELECT id, status FROM posts
                    WHERE campaign_id = \(id) AND status = ANY(\(Self.cancellablePostStatuses))
                    FOR UPDATE
                ), changed AS (
                    UPDATE posts p SET status = 'cancelled', finished_at = \(now), updated_at = \(now)
                    FROM target t WHERE p.id = t.id
                    RETURNING p.id, t.status AS from_status
                ), events AS (
                    INSERT INTO post_events (post_id, event, from_status, to_status, detail, actor, occurred_at)
                    SELECT id, \(PostEvent.Name.cancelled), from_status, 'cancelled',
                           jsonb_build_object('campaign_id', \(id)::text, 'reason', 'campaign_cancelled'), \(actor), \(now)
                    FROM changed
                )
                SELECT id FROM changed ORDER BY id
                """)
            let inFlight = try await connection.query(
                "SELECT id FROM posts WHERE campaign_id = \(id) AND status = ANY(\(Self.inFlightPostStatuses)) ORDER BY id")
            try await connection.execute("UPDATE campaigns SET status = 'cancelled', updated_at = now() WHERE id = \(id)")
            return CampaignCancellation(
                campaign: try await connection.lockedCampaign(id),
                cancelledPostIDs: try cancelled.map { row throws(PostgresError) in try row.decode("id", as: UUID.self) },
                inFlightPostIDs: try inFlight.map { row throws(PostgresError) in try row.decode("id", as: UUID.self) })
        }
    }

    /// The campaign's posts counted by status.
    /// - Throws: ``DomainError`` `notFound`, `database`.
    public func progress(_ id: UUID) async throws(DomainError) -> CampaignProgress {
        let rows = try await self.client.domainQuery(
            """
            SELECT c.status AS campaign_status, p.status, count(p.id) AS n
            FROM campaigns c LEFT JOIN posts p ON p.campaign_id = c.id
            WHERE c.id = \(id)
            GROUP BY c.status, p.status
            """)
        guard let first = rows.first else { throw DomainError.notFound("campaign", id: id) }
        do {
            guard let status = Campaign.Status(rawValue: try first.decode("campaign_status", as: String.self)) else {
                throw DomainError(.database, "a stored campaign holds an unknown status")
            }
            var counts = Dictionary(uniqueKeysWithValues: PostStatus.allCases.map { ($0, 0) })
            for row in rows {
                guard let text = try row.decode("status", as: String?.self) else { continue }
                guard let postStatus = PostStatus(rawValue: text) else { throw DomainError(.database, "a stored post holds an unknown status") }
                counts[postStatus] = try row.decode("n", as: Int.self)
            }
            return CampaignProgress(campaignID: id, status: status, total: counts.values.reduce(0, +), byStatus: counts)
        } catch {
            throw DomainError.wrap(error)
        }
    }
}
