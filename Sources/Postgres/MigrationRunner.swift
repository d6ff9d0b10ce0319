public import Logging

/// Applies ``Migration``s to a database and reports their state, for `reelay migrate`.
///
/// Applied versions are recorded in `schema_migrations(version, name, applied_at)` (created when missing, in the
/// first schema of the search path). ``run()`` holds a session-level advisory lock on one dedicated connection for its
/// whole run, so two migrators (two processes starting at once) apply each migration exactly once: the second waits,
/// then finds nothing left to do.
public struct MigrationRunner: Sendable {
    /// The advisory-lock key every Reelay migrator takes (`pg_advisory_lock`); ASCII "reelaymg".
    public static let advisoryLockKey: Int64 = 0x7265_656C_6179_6D67

    private let client: PostgresClient
    private let migrations: [Migration]
    private let logger: Logger

    /// A runner for `migrations`, which must have strictly increasing versions (checked by every method).
    public init(client: PostgresClient, migrations: [Migration], logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies every pending migration in version order, each in its own transaction with its `schema_migrations` row.
    /// - Returns: The versions applied by this call (empty when the database was up to date).
    /// - Throws: ``PostgresError`` `invalidMigration` for a bad list; the failing migration's `server` error otherwise
    ///   (migrations before it stay applied).
    public func run() async throws -> [Int] {
        try self.validate()
        return try await self.client.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
            do {
                let applied = try await self.apply(on: connection)
                try await connection.execute("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
                return applied
            } catch {
                // Unlock if the connection still works; if it broke, the server dropped the lock with the session.
                if (try? await connection.execute("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")) == nil { connection.markBroken() }
                throw error
            }
        }
    }

    /// The migrations not applied yet, in order.
    /// - Throws: ``PostgresError``.
    public func pending() async throws -> [Migration] {
        try self.validate()
        let applied = Set(try await self.applied().map(\.version))
        return self.migrations.filter { !applied.contains($0.version) }
    }

    /// The `schema_migrations` rows, by version; empty when the table does not exist yet.
    /// - Throws: ``PostgresError``.
    public func applied() async throws -> [AppliedMigration] {
        let exists = try await self.client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode("present", as: Bool.self) == true else { return [] }
        return try await self.client.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").map { row in
            AppliedMigration(
                version: try row.decode("version"), name: try row.decode("name"), appliedAt: try row.decode("applied_at"))
        }
    }

    // MARK: - Internals

    private func apply(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        let rows = try await connection.query("SELECT version FROM schema_migrations")
        let done = Set(try rows.map { row throws(PostgresError) in try row.decode(0, as: Int.self) })
        var appliedNow: [Int] = []
        for migration in self.migrations where !done.contains(migration.version) {
            self.logger.info("applying migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
            try await connection.withTransaction { tx in
                try await tx.executeScript(migration.sql)
                try await tx.execute("INSERT INTO schema_migrations (version, name) VALUES (\(Int32(migration.version)), \(migration.name))")
            }
            appliedNow.append(migration.version)
        }
        return appliedNow
    }

    /// Versions must be positive, fit `int`, and strictly increase.
    private func validate() throws(PostgresError) {
        var previous = 0
        for migration in self.migrations {
            guard migration.version > previous, migration.version <= Int(Int32.max) else {
                throw PostgresError(
                    .invalidMigration,
                    message: "migration \(migration.version) (\(migration.name)) must have a positive version greater than \(previous)")
            }
            previous = migration.version
        }
    }
}
