public import Foundation
import Postgres

/// What the scheduler reports about timed work: how late the oldest due post is that PostgreSQL still holds, and how
/// many posts are stuck past due.
public struct ScheduleHealth: Sendable, Hashable {
    /// Posts not yet handed to a worker (`pending`, `scheduled`, `queued`) whose run time passed more than
    /// ``SchedulerRepository/stuckAfter`` ago.
    public var stuckPastDue: Int
    /// The run time of the oldest `scheduled` post already due (not loaded into Redis yet), if any.
    public var oldestDueScheduled: Date?

    /// Health figures.
    public init(stuckPastDue: Int, oldestDueScheduled: Date?) {
        self.stuckPastDue = stuckPastDue
        self.oldestDueScheduled = oldestDueScheduled
    }
}

extension SchedulerRepository {
    /// A post due this long ago that no worker holds yet counts as stuck.
    public static let stuckAfter: TimeInterval = 60

    /// The health figures at `now` (Redis's time).
    /// - Throws: ``DomainError`` `database`.
    public func health(now: Date) async throws(DomainError) -> ScheduleHealth {
        let rows = try await self.client.domainQuery(
            """
            SELECT count(*) FILTER (WHERE run_at < \(now.addingTimeInterval(-Self.stuckAfter))) AS stuck,
                   min(run_at) FILTER (WHERE status = 'scheduled') AS oldest
            FROM posts WHERE status IN ('pending', 'scheduled', 'queued') AND run_at <= \(now)
            """)
        do {
            return ScheduleHealth(stuckPastDue: try rows.first?.decode("stuck") ?? 0, oldestDueScheduled: try rows.first?.decode("oldest"))
        } catch {
            throw DomainError(.database, "the schedule's health did not decode", underlying: error)
        }
    }

    /// How many accounts are in each status (every status present, 0 when none): the `reelay.accounts` gauge.
    /// - Throws: ``DomainError`` `database`.
    public func accountCounts() async throws(DomainError) -> [Account.Status: Int] {
        let rows = try await self.client.domainQuery("SELECT status, count(*) AS n FROM accounts GROUP BY status")
        var counts = Dictionary(uniqueKeysWithValues: Account.Status.allCases.map { ($0, 0) })
        do {
            for row in rows {
                if let status = Account.Status(rawValue: try row.decode("status")) { counts[status] = try row.decode("n", as: Int.self) }
            }
        } catch {
            throw DomainError(.database, "an account count did not decode", underlying: error)
        }
        return counts
    }

    /// Accounts (active or cooling down) whose access token expires before `now + ahead` and whose refresh token is
    /// still valid, soonest first.
    /// - Throws: ``DomainError`` `database`.
    public func accountsToRefresh(now: Date, ahead: TimeInterval, limit: Int) async throws(DomainError) -> [UUID] {
        let rows = try await self.client.domainQuery(
            """
            SELECT id FROM accounts
            WHERE status IN ('active', 'cooldown') AND access_token_expires_at < \(now.addingTimeInterval(ahead))
              AND refresh_token_expires_at > \(now)
            ORDER BY access_token_expires_at LIMIT \(limit)
            """)
        do {
            return try rows.map { row throws(PostgresError) in try row.decode("id") }
        } catch {
            throw DomainError(.database, "an account id did not decode", underlying: error)
        }
    }
}

/// An account whose stored access token is still good, as the token-cache warmer needs it.
public struct TokenHolder: Sendable, Hashable {
    /// The account.
    public var accountID: UUID
    /// Its TikTok open_id (the tokens' encryption context).
    public var openID: String
    /// When its access token expires.
    public var expiresAt: Date
}

extension SchedulerRepository {
    /// Accounts (active or cooling down) whose access token is valid for longer than `validFor` past `now`, in id order
    /// after `after` (keyset paging), at most `limit`.
    /// - Throws: ``DomainError`` `database`.
    public func tokenHolders(now: Date, validFor: TimeInterval, after: UUID?, limit: Int) async throws(DomainError) -> [TokenHolder] {
        let rows = try await self.client.domainQuery(
            """
            SELECT id, open_id, access_token_expires_at FROM accounts
            WHERE status IN ('active', 'cooldown') AND access_token_expires_at > \(now.addingTimeInterval(validFor))
              AND (\(after)::uuid IS NULL OR id > \(after)::uuid)
            ORDER BY id LIMIT \(limit)
            """)
        do {
            return try rows.map { row throws(PostgresError) in
                TokenHolder(accountID: try row.decode("id"), openID: try row.decode("open_id"), expiresAt: try row.decode("access_token_expires_at"))
            }
        } catch {
            throw DomainError(.database, "an account row did not decode", underlying: error)
        }
    }
}
