public import Foundation
public import Postgres

/// Campaign records: create (as drafts), read, list, change while draft, delete, and the user-driven transitions
/// (pause, resume, cancel) with their effect on posts. Starting is ``CampaignStarter``'s job.
///
/// Every method throws ``DomainError`` only: `invalidInput` (listing every bad field), `notFound`, `invalidState`,
/// `conflict`, `inUse` or `database`.
public struct CampaignRepository: Sendable {
    let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    // MARK: - Create and read

    /// Creates a draft campaign after checking every field: the draft's own problems (``CampaignDraft/problems``), media
    /// that do not exist, accounts that do not exist or are disabled, a caption template whose known parts alone
    /// are longer than TikTok allows, and — for `over_budget = reject` — a plan that obviously takes an account over its
    /// daily cap or TikTok's inbox limit (``CampaignBudget/draftProblems(_:on:)``; the start checks it fully).
    ///
    /// With an `idempotencyKey`, a second create with the same key and the same draft returns the first campaign; with a
    /// different draft it fails with `conflict`.
    /// - Throws: ``DomainError`` `invalidInput`, `conflict`, `database`.
    public func create(_ draft: CampaignDraft, idempotencyKey: String? = nil) async throws(DomainError) -> Campaign {
        var keyProblems: [FieldProblem] = []
        if let key = idempotencyKey, key.isEmpty || key.unicodeScalars.count > 255 {
            keyProblems.append(FieldProblem(field: "idempotency_key", problem: "must be 1 to 255 characters"))
        }
        return try await self.client.domainTransaction { connection in
            try await Self.check(draft, extra: keyProblems, on: connection)
            let inserted = try await connection.query(
                """
                INSERT INTO campaigns (name, mode, caption_template, post_settings, account_selection, schedule, timezone, strategy,
                                       over_budget, idempotency_key)
                VALUES (\(draft.name), \(draft.mode.rawValue), \(draft.captionTemplate), \(json: draft.postSettings),
                        \(json: draft.accountSelection), \(json: draft.schedule), \(draft.schedule.timeZone ?? "UTC"),
                        \(draft.strategy.rawValue), \(draft.overBudget.rawValue), \(idempotencyKey))
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id
                """)
            guard let id = try inserted.first?.decode("id", as: UUID.self) else {
                return try await Self.replay(draft, idempotencyKey: idempotencyKey ?? "", on: connection)
            }
            try await Self.insertMedia(draft.mediaIDs, campaign: id, on: connection)
            guard let campaign = try await connection.campaign(id) else { throw DomainError.notFound("campaign", id: id) }
            return campaign
        }
    }

    /// The campaign `id`.
    /// - Throws: ``DomainError`` `notFound`, `database`.
    public func get(_ id: UUID) async throws(DomainError) -> Campaign {
        let campaign: Campaign?
        do {
            campaign = try await self.client.withConnection { try await $0.campaign(id) }
        } catch {
            throw DomainError.wrap(error)
        }
        guard let campaign else { throw DomainError.notFound("campaign", id: id) }
        return campaign
    }

    /// Campaigns newest first, optionally only those in `status`.
    /// - Throws: ``DomainError`` `invalidInput` (bad cursor or limit), `database`.
    public func list(status: Campaign.Status? = nil, page: PageRequest = PageRequest()) async throws(DomainError) -> Page<Campaign> {
        let cursor = try page.validate()
        let rows = try await self.client.domainQuery(
            """
            SELECT c.*, coalesce((SELECT array_agg(cm.media_id::text ORDER BY cm.position) FROM campaign_media cm
                                  WHERE cm.campaign_id = c.id), '{}') AS media_ids
            FROM campaigns c
            WHERE (\(status?.rawValue)::text IS NULL OR c.status = \(status?.rawValue)::text)
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (c.created_at, c.id) < (\(cursor?.createdAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT \(page.limit + 1)
            """)
        var campaigns: [Campaign] = []
        for row in rows { campaigns.append(try Campaign(row: row)) }
        return Page(fetched: campaigns, request: page) { PageCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    // MARK: - Change and delete

    /// Applies `patch` to a draft campaign, checking the result like ``create(_:idempotencyKey:)``.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` (no longer a draft), `invalidInput`, `database`.
    public func update(_ id: UUID, _ patch: CampaignPatch) async throws(DomainError) -> Campaign {
        try await self.client.domainTransaction { connection in
            let current = try await connection.lockedCampaign(id)
            guard current.status == .draft else {
                throw DomainError(.invalidState, "campaign \(id) is \(current.status.rawValue); only a draft can be changed")
            }
            let draft = patch.applied(to: current.draft)
            try await Self.check(draft, on: connection)
            try await connection.execute(
                """
                UPDATE campaigns SET name = \(draft.name), mode = \(draft.mode.rawValue), caption_template = \(draft.captionTemplate),
                    post_settings = \(json: draft.postSettings), account_selection = \(json: draft.accountSelection),
                    schedule = \(json: draft.schedule), timezone = \(draft.schedule.timeZone ?? "UTC"), strategy = \(draft.strategy.rawValue),
                    over_budget = \(draft.overBudget.rawValue), updated_at = now()
                WHERE id = \(id)
                """)
            if draft.mediaIDs != current.mediaIDs {
                try await connection.execute("DELETE FROM campaign_media WHERE campaign_id = \(id)")
                try await Self.insertMedia(draft.mediaIDs, campaign: id, on: connection)
            }
            return try await connection.lockedCampaign(id)
        }
    }

    /// Deletes a campaign that is a draft or finished (`completed`, `cancelled`), with its posts and their events.
    /// - Throws: ``DomainError`` `notFound`, `invalidState` (scheduled, running or paused: cancel it first), `inUse` (a
    ///   cancelled campaign whose in-flight posts have not finished yet), `database`.
    public func delete(_ id: UUID) async throws(DomainError) {
        try await self.client.domainTransaction { connection in
            let campaign = try await connection.lockedCampaign(id)
            guard [.draft, .completed, .cancelled].contains(campaign.status) else {
                throw DomainError(.invalidState, "campaign \(id) is \(campaign.status.rawValue); cancel it before deleting it")
            }
            let unfinished = try await connection.query(
                "SELECT count(*) AS n FROM posts WHERE campaign_id = \(id) AND status <> ALL(\(Self.terminalPostStatuses))")
            guard try unfinished.first?.decode("n", as: Int.self) ?? 0 == 0 else {
                throw DomainError(.inUse, "campaign \(id) still has posts in flight; delete it once they finish")
            }
            try await connection.execute("DELETE FROM campaigns WHERE id = \(id)")
        }
    }

    // MARK: - Internals

    static let terminalPostStatuses: [String] = PostStatus.allCases.filter(\.isTerminal).map(\.rawValue)

    /// Checks `draft` against itself and the database; throws every problem at once.
    static func check(_ draft: CampaignDraft, extra: [FieldProblem] = [], on connection: PostgresConnection) async throws {
        var problems = draft.problems + extra
        let mediaIDs = Array(draft.mediaIDs.prefix(CampaignDraft.maximumMedia))
        let mediaRows = try await connection.query(
            """
            SELECT id, coalesce(original_name, regexp_replace(path, '^.*/', '')) AS filename FROM media
            WHERE id = ANY(\(CampaignSQL.texts(mediaIDs))::uuid[]) AND deleted_at IS NULL
            """)
        var filenames: [UUID: String] = [:]
        for row in mediaRows { filenames[try row.decode("id", as: UUID.self)] = try row.decode("filename", as: String.self) }
        for (index, id) in mediaIDs.enumerated() where filenames[id] == nil {
            problems.append(FieldProblem(field: "media_ids[\(index)]", problem: "media \(id.uuidString.lowercased()) does not exist"))
        }
        var accountCount = 1
        if case .accountIDs(let ids) = draft.accountSelection {
            accountCount = max(1, ids.count)
            let rows = try await connection.query(
                """
                SELECT id, status FROM accounts
                WHERE id = ANY(\(CampaignSQL.texts(Array(ids.prefix(AccountSelection.maximumCount))))::uuid[]) AND deleted_at IS NULL
                """)
            var statuses: [UUID: String] = [:]
            for row in rows { statuses[try row.decode("id", as: UUID.self)] = try row.decode("status", as: String.self) }
            for (index, id) in ids.prefix(AccountSelection.maximumCount).enumerated() {
                switch statuses[id] {
                case nil:
                    problems.append(FieldProblem(field: "account_selection.account_ids[\(index)]", problem: "account \(id.uuidString.lowercased()) does not exist"))
                case "disabled"?:
                    problems.append(FieldProblem(field: "account_selection.account_ids[\(index)]", problem: "account \(id.uuidString.lowercased()) is disabled"))
                default:
                    break
                }
            }
        }
        if let template = try? CaptionTemplate(parsing: draft.captionTemplate) {
            let known: [CaptionTemplate.Variable: Int] = [
                .campaignName: draft.name.utf16.count, .mediaFilename: filenames.values.map(\.utf16.count).max() ?? 0, .date: 10, .time: 5,
                .index: String(max(1, draft.mediaIDs.count) * accountCount).count,
            ]
            let length = template.length(knowing: known)
            if length > CaptionTemplate.maximumLength {
                problems.append(
                    FieldProblem(
                        field: "caption_template",
                        problem: "renders to at least \(length) characters, over the \(CaptionTemplate.maximumLength) TikTok allows"))
            }
        }
        problems += try await CampaignBudget.draftProblems(draft, on: connection)
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
    }

    private static func insertMedia(_ mediaIDs: [UUID], campaign: UUID, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO campaign_media (campaign_id, media_id, position)
            SELECT \(campaign), m.id, m.ordinality - 1 FROM unnest(\(CampaignSQL.texts(mediaIDs))::uuid[]) WITH ORDINALITY AS m(id, ordinality)
            """)
    }

    /// The campaign created earlier with `idempotencyKey`, when it was created from the same draft.
    private static func replay(_ draft: CampaignDraft, idempotencyKey: String, on connection: PostgresConnection) async throws -> Campaign {
        let rows = try await connection.query(
            """
            SELECT c.*, coalesce((SELECT array_agg(cm.media_id::text ORDER BY cm.position) FROM campaign_media cm
                                  WHERE cm.campaign_id = c.id), '{}') AS media_ids
            FROM campaigns c WHERE c.idempotency_key = \(idempotencyKey)
            """)
        guard let row = rows.first else { throw DomainError(.conflict, "a campaign with this idempotency key is being created; try again") }
        let existing = try Campaign(row: row)
        guard existing.draft == draft else {
            throw DomainError(.conflict, "the idempotency key was used for a different campaign")
        }
        return existing
    }
}
