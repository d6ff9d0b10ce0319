import Foundation
import Postgres

extension CampaignStarter {
    /// An account as the start needs it.
    struct StartAccount: Sendable {
        var id: UUID
        var nickname: String
        var username: String?
        var status: String
        var timeZone: String
        var dailyCap: Int
    }

    /// A campaign media row as the start needs it.
    struct StartMedia: Sendable {
        var id: UUID
        var position: Int
        var path: String
        var filename: String
        var sizeBytes: Int64
        var contentType: String
        var durationSeconds: Double?
        var deleted: Bool
    }

    /// Account statuses that get no posts.
    static let unusableStatuses: Set<String> = ["disabled", "needs_reauth", "restricted"]

    /// The selected accounts that can post, in selection order, and those left out.
    ///
    /// Every selected row is locked `FOR NO KEY UPDATE` until the transaction ends, taken in id order whatever the
    /// selection so that starts over overlapping accounts cannot deadlock: a second start over one of these accounts
    /// waits here, then reads this one's posts when it counts budgets (``CampaignBudget``). (`NO KEY` leaves alone the
    /// key-share locks that inserting a post for the account takes.)
    /// - Throws: ``DomainError`` `invalidInput` when no account is left.
    static func accounts(for selection: AccountSelection, on connection: PostgresConnection) async throws -> ([StartAccount], [SkippedAccount]) {
        var found: [StartAccount] = []
        var skipped: [SkippedAccount] = []
        switch selection {
        case .accountIDs(let ids):
            let rows = try await connection.query(
                """
                SELECT id, nickname, username, status, timezone, daily_cap FROM accounts
                WHERE id = ANY(\(CampaignSQL.texts(ids))::uuid[]) AND deleted_at IS NULL
                ORDER BY id FOR NO KEY UPDATE
                """)
            var byID: [UUID: StartAccount] = [:]
            for row in rows {
                let account = try Self.account(row)
                byID[account.id] = account
            }
            for id in ids {
                if let account = byID[id] { found.append(account) } else { skipped.append(SkippedAccount(accountID: id, reason: "account does not exist")) }
            }
        case .labels(let labels):
            let rows = try await connection.query(
                """
                SELECT id, nickname, username, status, timezone, daily_cap, created_at FROM accounts
                WHERE labels && \(labels) AND deleted_at IS NULL
                ORDER BY id FOR NO KEY UPDATE
                """)
            var created: [(account: StartAccount, at: Date)] = []
            for row in rows { created.append((try Self.account(row), try row.decode("created_at", as: Date.self))) }
            // Oldest account first (ties by id, as PostgreSQL orders uuids: their bytes, i.e. their hex text).
            found = created.sorted { ($0.at, $0.account.id.uuidString) < ($1.at, $1.account.id.uuidString) }.map(\.account)
            guard !found.isEmpty else {
                throw DomainError.invalidInput([FieldProblem(field: "account_selection.labels", problem: "no account carries any of these labels")])
            }
        }
        var usable: [StartAccount] = []
        for account in found {
            if Self.unusableStatuses.contains(account.status) {
                skipped.append(SkippedAccount(accountID: account.id, reason: "account is \(account.status)"))
            } else {
                usable.append(account)
            }
        }
        guard !usable.isEmpty else {
            let problems = skipped.map { FieldProblem(field: "account_selection", problem: "\($0.accountID.uuidString.lowercased()): \($0.reason)") }
            throw DomainError.invalidInput(problems, message: "no selected account can post")
        }
        return (usable, skipped)
    }

    private static func account(_ row: PostgresRow) throws -> StartAccount {
        StartAccount(
            id: try row.decode("id"), nickname: try row.decode("nickname"), username: try row.decode("username"), status: try row.decode("status"),
            timeZone: try row.decode("timezone"), dailyCap: try row.decode("daily_cap"))
    }

    /// The campaign's media in position order.
    /// - Throws: ``DomainError`` `invalidInput` when a media was deleted since the campaign was created.
    static func media(of campaignID: UUID, on connection: PostgresConnection) async throws -> [StartMedia] {
        let rows = try await connection.query(
            """
            SELECT m.id, cm.position, m.path, coalesce(m.original_name, regexp_replace(m.path, '^.*/', '')) AS filename, m.size_bytes,
                   m.content_type, m.deleted_at IS NOT NULL AS deleted,
                   CASE WHEN jsonb_typeof(m.probe -> 'duration_seconds') = 'number' THEN (m.probe ->> 'duration_seconds')::float8 END
                       AS duration_seconds
            FROM campaign_media cm JOIN media m ON m.id = cm.media_id
            WHERE cm.campaign_id = \(campaignID)
            ORDER BY cm.position
            """)
        var media: [StartMedia] = []
        var problems: [FieldProblem] = []
        for (index, row) in rows.enumerated() {
            let item = StartMedia(
                id: try row.decode("id"), position: try row.decode("position"), path: try row.decode("path"), filename: try row.decode("filename"),
                sizeBytes: try row.decode("size_bytes"), contentType: try row.decode("content_type"),
                durationSeconds: try row.decode("duration_seconds"), deleted: try row.decode("deleted"))
            if item.deleted {
                problems.append(FieldProblem(field: "media_ids[\(index)]", problem: "media \(item.id.uuidString.lowercased()) was deleted"))
            }
            media.append(item)
        }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        return media
    }

    /// Posts run per account in the 24 hours before `now` (cancelled ones left out), for `least_used`.
    static func recentPosts(of accounts: [StartAccount], now: Date, on connection: PostgresConnection) async throws -> [Int] {
        let rows = try await connection.query(
            """
            SELECT account_id, count(*) AS n FROM posts
            WHERE account_id = ANY(\(CampaignSQL.texts(accounts.map(\.id)))::uuid[])
              AND run_at > \(now.addingTimeInterval(-86_400)) AND run_at <= \(now) AND status <> 'cancelled'
            GROUP BY account_id
            """)
        var counts: [UUID: Int] = [:]
        for row in rows { counts[try row.decode("account_id", as: UUID.self)] = try row.decode("n", as: Int.self) }
        return accounts.map { counts[$0.id] ?? 0 }
    }
}
