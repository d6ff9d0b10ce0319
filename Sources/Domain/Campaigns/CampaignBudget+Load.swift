import Foundation
import Postgres

extension CampaignBudget {
    /// The budget of `accounts` (in plan order) as the database holds it: their posts that use budget and run from
    /// two days before `earliest` on (a local day starts at most a day before an instant in it; an inbox window reaches a
    /// day further back).
    ///
    /// Call it with the accounts' rows locked (``CampaignStarter/accounts(for:on:)`` does), so that two starts over the
    /// same account count each other's posts instead of both passing.
    static func load(
        accounts: [CampaignStarter.StartAccount], earliest: Date, inbox: Bool, scheduleZone: TimeZone?, on connection: PostgresConnection
    ) async throws -> CampaignBudget {
        let budgetAccounts = accounts.map { account in
            Account(
                id: account.id, nickname: account.nickname, zoneName: account.timeZone,
                zone: CampaignSchedule.zone(account.timeZone) ?? TimeZone(identifier: "UTC")!, dailyCap: account.dailyCap)
        }
        let rows = try await connection.query(
            """
            SELECT account_id, run_at, mode = 'inbox' AS inbox, count(*) AS n FROM posts
            WHERE account_id = ANY(\(CampaignSQL.texts(accounts.map(\.id)))::uuid[]) AND run_at >= \(earliest.addingTimeInterval(-2 * 86_400))
              AND status <> ALL(\(Self.freeStatuses)::text[])
            GROUP BY account_id, run_at, mode = 'inbox'
            """)
        let indexes = Dictionary(accounts.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var existing: [[Existing]] = Array(repeating: [], count: accounts.count)
        for row in rows {
            guard let index = indexes[try row.decode("account_id", as: UUID.self)] else { continue }
            existing[index].append(Existing(runAt: try row.decode("run_at"), inbox: try row.decode("inbox"), count: try row.decode("n")))
        }
        return CampaignBudget(accounts: budgetAccounts, existing: existing, inbox: inbox, scheduleZone: scheduleZone)
    }

    /// The budget problems a draft that asks `reject` obviously has, found without reading posts: with a `now` or `at`
    /// schedule every post of an account runs at one instant, so an account that can post (not disabled, needing
    /// re-authorisation or restricted) whose daily cap is below the number of media — or, for an inbox campaign, more
    /// than 5 media — can never start. The problems read like the start's (which stays the authority: it also counts
    /// existing posts); for `now` the day is "the day it starts".
    static func draftProblems(_ draft: CampaignDraft, on connection: PostgresConnection) async throws -> [FieldProblem] {
        guard draft.overBudget == .reject, draft.schedule.problems.isEmpty else { return [] }
        let instant: Date?
        switch draft.schedule {
        case .now:
            instant = nil
        case .at(let text, let zoneName):
            guard let local = LocalDateTime(parsing: text), let zone = CampaignSchedule.zone(zoneName) else { return [] }
            instant = local.instant(in: zone)
        case .slots:
            return []
        }
        let count = draft.mediaIDs.count
        let inbox = draft.mode == .inbox
        let unusable = Array(CampaignStarter.unusableStatuses)
        let rows: [PostgresRow]
        switch draft.accountSelection {
        case .accountIDs(let ids):
            rows = try await connection.query(
                """
                SELECT id, nickname, timezone, daily_cap, count(*) OVER () AS total FROM accounts
                WHERE id = ANY(\(CampaignSQL.texts(Array(ids.prefix(AccountSelection.maximumCount))))::uuid[]) AND deleted_at IS NULL
                  AND status <> ALL(\(unusable)::text[]) AND (daily_cap < \(count) OR (\(inbox) AND \(count) > \(Self.inboxLimit)))
                ORDER BY array_position(\(CampaignSQL.texts(ids))::uuid[], id)
                LIMIT \(Self.maximumProblems)
                """)
        case .labels(let labels):
            rows = try await connection.query(
                """
                SELECT id, nickname, timezone, daily_cap, count(*) OVER () AS total FROM accounts
                WHERE labels && \(labels) AND deleted_at IS NULL
                  AND status <> ALL(\(unusable)::text[]) AND (daily_cap < \(count) OR (\(inbox) AND \(count) > \(Self.inboxLimit)))
                ORDER BY created_at, id
                LIMIT \(Self.maximumProblems)
                """)
        }
        var problems: [FieldProblem] = []
        for row in rows {
            let zoneName: String = try row.decode("timezone")
            let account = Account(
                id: try row.decode("id"), nickname: try row.decode("nickname"), zoneName: zoneName,
                zone: CampaignSchedule.zone(zoneName) ?? TimeZone(identifier: "UTC")!, dailyCap: try row.decode("daily_cap"))
            let day = instant.map { LocalDateTime(instant: $0, zone: account.zone).date.text } ?? "the day it starts"
            if count > account.dailyCap { problems.append(Self.dailyProblem(account, day: day, count: count)) }
            if inbox, count > Self.inboxLimit { problems.append(Self.inboxProblem(account, day: day, count: count)) }
        }
        let total = try rows.first?.decode("total", as: Int.self) ?? 0
        if total > rows.count { problems.append(FieldProblem(field: "budget", problem: "and \(total - rows.count) more accounts over budget")) }
        return problems
    }
}
