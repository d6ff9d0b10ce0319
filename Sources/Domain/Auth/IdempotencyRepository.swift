public import Foundation
public import Postgres

/// The `idempotency_keys` table: the first answer to each (caller, `Idempotency-Key`), kept for a day.
public struct IdempotencyRepository: Sendable {
    /// What ``begin(apiKeyID:key:requestHash:now:)`` found.
    public enum Claim: Sendable, Hashable {
        /// The key is new (or its earlier holder died): run the request, then ``finish`` or ``abandon``.
        case proceed
        /// The same request was answered before: send this answer again.
        case replay(status: Int, contentType: String?, body: Data)
        /// The key was used with another request (method, path or body differ).
        case mismatch
        /// The first request with this key is still running.
        case inProgress
    }

    /// The database.
    public let client: PostgresClient
    /// How long a key is remembered.
    public var retention: Duration = .seconds(24 * 3600)
    /// How long a running request holds its key before another may take it over (its process may have died).
    public var lockTimeout: Duration = .seconds(60)

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Claims `key` for a request whose fingerprint is `requestHash` (32 bytes).
    public func begin(apiKeyID: UUID, key: String, requestHash: Data, now: Date) async throws(DomainError) -> Claim {
        guard (1...255).contains(key.count), requestHash.count == 32 else {
            throw DomainError(
                .invalidInput, message: "the Idempotency-Key header is invalid",
                details: [FieldProblem(field: "Idempotency-Key", problem: "must be 1 to 255 characters")])
        }
        let lockedUntil = now.addingTimeInterval(Self.seconds(self.lockTimeout))
        let expiresAt = now.addingTimeInterval(Self.seconds(self.retention))
        // One statement: insert, or take over a row that expired or whose holder's lock ran out without an answer.
        let claimed = try await Self.database {
            try await self.client.query(
                """
                INSERT INTO idempotency_keys (api_key_id, key, request_hash, locked_until, expires_at)
                VALUES (\(apiKeyID), \(key), \(requestHash), \(lockedUntil), \(expiresAt))
                ON CONFLICT (api_key_id, key) DO UPDATE
                  SET request_hash = EXCLUDED.request_hash, status = NULL, content_type = NULL, response_body = NULL,
                      created_at = now(), locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
                  WHERE idempotency_keys.expires_at <= \(now)
                     OR (idempotency_keys.status IS NULL AND idempotency_keys.locked_until <= \(now)
                         AND idempotency_keys.request_hash = EXCLUDED.request_hash)
                RETURNING 1 AS claimed
                """)
        }
        if !claimed.isEmpty { return .proceed }
        let rows = try await Self.database {
            try await self.client.query(
                """
                SELECT request_hash, status, content_type, response_body FROM idempotency_keys
                WHERE api_key_id = \(apiKeyID) AND key = \(key)
                """)
        }
        guard let row = rows.first else { return .inProgress }  // deleted in between: the caller may retry
        do {
            let storedHash: Data = try row.decode("request_hash")
            guard storedHash == requestHash else { return .mismatch }
            guard let status: Int = try row.decode("status") else { return .inProgress }
            let body: Data? = try row.decode("response_body")
            return .replay(status: status, contentType: try row.decode("content_type"), body: body ?? Data())
        } catch {
            throw DomainError(.database, "an idempotency_keys row did not decode")
        }
    }

    /// Stores the answer to the request that holds `key`.
    public func finish(apiKeyID: UUID, key: String, status: Int, contentType: String?, body: Data) async throws(DomainError) {
        try await Self.database {
            _ = try await self.client.execute(
                """
                UPDATE idempotency_keys SET status = \(status), content_type = \(contentType), response_body = \(body)
                WHERE api_key_id = \(apiKeyID) AND key = \(key) AND status IS NULL
                """)
        }
    }

    /// Forgets `key` (its request failed in a way worth retrying, such as a 5xx), so the same key can be sent again.
    public func abandon(apiKeyID: UUID, key: String) async throws(DomainError) {
        try await Self.database {
            _ = try await self.client.execute(
                "DELETE FROM idempotency_keys WHERE api_key_id = \(apiKeyID) AND key = \(key) AND status IS NULL")
        }
    }

    /// Deletes keys past their retention; returns how many.
    public func purgeExpired(now: Date) async throws(DomainError) -> Int {
        try await Self.database { try await self.client.execute("DELETE FROM idempotency_keys WHERE expires_at <= \(now)") }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Runs `body`, mapping its errors to ``DomainError``.
    static func database<Result: Sendable>(_ body: () async throws -> Result) async throws(DomainError) -> Result {
        do { return try await body() } catch { throw DomainError.wrap(error) }
    }
}
