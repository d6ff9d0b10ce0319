public import Foundation
public import Postgres

/// The `oauth_states` table: the `state` of each account-connect flow, stored as a SHA-256, single use, expiring,
/// bound to the API key that asked for it.
public struct OAuthStateRepository: Sendable {
    /// What a consumed state was issued for.
    public struct Issued: Sendable, Hashable {
        /// The API key that started the flow (nil when it has since been deleted).
        public var apiKeyID: UUID?
        /// Labels to give the connected account.
        public var labels: [String]
    }

    /// The database.
    public let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Records a new state (by its hash) until `expiresAt`, and deletes states that have expired.
    public func issue(stateHash: Data, apiKeyID: UUID?, labels: [String], expiresAt: Date) async throws(DomainError) {
        guard stateHash.count == 32 else { throw DomainError(.invalidInput, "a state hash is 32 bytes") }
        let problems = AccountRules.labelProblems(labels, field: "labels")
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        try await Self.database {
            _ = try await self.client.execute("DELETE FROM oauth_states WHERE expires_at < now() - interval '1 hour'")
            _ = try await self.client.execute(
                """
                INSERT INTO oauth_states (state_hash, api_key_id, labels, expires_at)
                VALUES (\(stateHash), \(apiKeyID), \(labels), \(expiresAt))
                """)
        }
    }

    /// Consumes the state whose hash is `stateHash`: deletes it and returns what it was issued for, or nil when it is
    /// unknown, already used, or expired at `now`. Two callbacks racing with one state: exactly one gets it.
    public func consume(stateHash: Data, now: Date) async throws(DomainError) -> Issued? {
        let rows = try await Self.database {
            try await self.client.query(
                "DELETE FROM oauth_states WHERE state_hash = \(stateHash) RETURNING api_key_id, labels, expires_at")
        }
        guard let row = rows.first else { return nil }
        do {
            let expiresAt: Date = try row.decode("expires_at")
            guard expiresAt > now else { return nil }
            return Issued(apiKeyID: try row.decode("api_key_id"), labels: try row.decode("labels"))
        } catch {
            throw DomainError(.database, "an oauth_states row did not decode")
        }
    }

    /// Runs `body`, mapping its errors to ``DomainError``.
    static func database<Result: Sendable>(_ body: () async throws -> Result) async throws(DomainError) -> Result {
        do { return try await body() } catch { throw DomainError.wrap(error) }
    }
}
