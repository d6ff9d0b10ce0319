public import Foundation
public import Postgres

/// The `api_keys` table. Keys are made and hashed by the caller (the API layer); this stores and finds the hashes.
public struct APIKeyRepository: Sendable {
    /// The database.
    public let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Stores a new key's record.
    /// - Parameters:
    ///   - name: 1 to 200 characters.
    ///   - prefix: The key's public part (6 to 32 of `[A-Za-z0-9_]`), unique.
    ///   - hash: SHA-256 of the whole key (32 bytes).
    /// - Throws: ``DomainError`` `invalidInput` naming every bad field; `conflict` when the prefix exists.
    public func create(name: String, prefix: String, hash: Data, role: APIKey.Role, expiresAt: Date? = nil) async throws(DomainError) -> APIKey {
        var problems: [FieldProblem] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems.append(FieldProblem(field: "name", problem: "must be 1 to 200 characters")) }
        if !Self.isValidPrefix(prefix) { problems.append(FieldProblem(field: "prefix", problem: "must be 6 to 32 of A-Z a-z 0-9 _")) }
        if hash.count != 32 { problems.append(FieldProblem(field: "hash", problem: "must be 32 bytes")) }
        if let expiresAt, expiresAt <= Date() { problems.append(FieldProblem(field: "expires_at", problem: "must be in the future")) }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let rows = try await Self.database {
            try await self.client.query(
                """
                INSERT INTO api_keys (name, prefix, key_hash, role, expires_at)
                VALUES (\(trimmed), \(prefix), \(hash), \(role.rawValue), \(expiresAt))
                RETURNING id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at
                """)
        }
        guard let row = rows.first else { throw DomainError(.database, "the insert returned no row") }
        return try Self.decode(row)
    }

    /// The usable key whose hash is `hash`, or nil (unknown, revoked or expired). Marks it used, at most once a minute.
    public func authenticate(hash: Data, now: Date = Date()) async throws(DomainError) -> APIKey? {
        let rows = try await Self.database {
            try await self.client.query(
                """
                UPDATE api_keys SET last_used_at = now()
                WHERE key_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(now))
                  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                RETURNING id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at
                """)
        }
        if let row = rows.first { return try Self.decode(row) }
        let found = try await Self.database {
            try await self.client.query(
                """
                SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at FROM api_keys
                WHERE key_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(now))
                """)
        }
        return try found.first.map(Self.decode)
    }

    /// Every key, newest first (revoked ones included, marked).
    public func list() async throws(DomainError) -> [APIKey] {
        let rows = try await Self.database {
            try await self.client.query("SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at DESC, id DESC")
        }
        return try rows.map(Self.decode)
    }

    /// Revokes key `id` (idempotent).
    /// - Throws: ``DomainError`` `notFound`.
    @discardableResult
    public func revoke(id: UUID) async throws(DomainError) -> APIKey {
        let rows = try await Self.database {
            try await self.client.query(
                """
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = \(id)
                RETURNING id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at
                """)
        }
        guard let row = rows.first else { throw DomainError(.notFound, "no API key has this id") }
        return try Self.decode(row)
    }

    /// Whether `prefix` has the shape a key's public part must have.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        (6...32).contains(prefix.utf8.count) && prefix.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
    }

    static func decode(_ row: PostgresRow) throws(DomainError) -> APIKey {
        do {
            let role = try row.decode("role", as: String.self)
            return APIKey(
                id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
                role: APIKey.Role(rawValue: role) ?? .viewer, createdAt: try row.decode("created_at"),
                expiresAt: try row.decode("expires_at"), lastUsedAt: try row.decode("last_used_at"),
                revokedAt: try row.decode("revoked_at"))
        } catch {
            throw DomainError(.database, "an api_keys row did not decode")
        }
    }

    /// Runs `body`, mapping its errors to ``DomainError``.
    static func database<Result: Sendable>(_ body: () async throws -> Result) async throws(DomainError) -> Result {
        do { return try await body() } catch { throw DomainError.wrap(error) }
    }
}
