public import Foundation
public import Postgres

/// The leading scheduler's credentials for writing: its id and the fencing token it got from Redis when it won the
/// lease. Every write transaction of the scheduler first presents them (``PostgresConnection/claimFence(_:)``); a
/// token older than one a newer leader already presented is refused, so a leader that froze past its lease and wakes
/// up cannot undo its successor's decisions.
public struct SchedulerFence: Sendable, Hashable {
    /// The leader's id (`host:pid:random`).
    public var leader: String
    /// Increases with every new leadership (Redis `INCR`).
    public var token: Int64

    /// Credentials of `leader` with `token`.
    public init(leader: String, token: Int64) {
        self.leader = leader
        self.token = token
    }
}

extension PostgresConnection {
    /// Raises the stored fencing token to `fence.token` inside the caller's transaction, holding the fence row's lock
    /// until the transaction ends (two leaders' transactions run one after the other).
    /// - Throws: ``DomainError`` `staleLeader` when a newer token is stored.
    func claimFence(_ fence: SchedulerFence) async throws {
        let rows = try await self.query(
            """
            INSERT INTO scheduler_fence (singleton, token, leader) VALUES (true, \(fence.token), \(fence.leader))
            ON CONFLICT (singleton) DO UPDATE SET token = EXCLUDED.token, leader = EXCLUDED.leader, updated_at = now()
            WHERE scheduler_fence.token <= EXCLUDED.token
            RETURNING token
            """)
        guard !rows.isEmpty else {
            throw DomainError(.staleLeader, "fencing token \(fence.token) of \(fence.leader) is older than the stored one: a newer scheduler leads")
        }
    }
}

extension SchedulerRepository {
    /// The newest fencing token PostgreSQL has seen (0 when none): a new leader's token must be above it.
    /// - Throws: ``DomainError`` `database`.
    public func storedFenceToken() async throws(DomainError) -> Int64 {
        let rows = try await self.client.domainQuery("SELECT token FROM scheduler_fence WHERE singleton")
        do {
            return try rows.first?.decode("token", as: Int64.self) ?? 0
        } catch {
            throw DomainError(.database, "the fencing token did not decode", underlying: error)
        }
    }
}
