public import Foundation

/// One schema change: a version, a name and the SQL that applies it.
///
/// The SQL may hold several statements. It runs inside a transaction together with its `schema_migrations` row, so
/// it must not contain `BEGIN`/`COMMIT` or statements that refuse a transaction (`CREATE INDEX CONCURRENTLY`,
/// `CREATE DATABASE`). It is executed as text without parameters: migration files are ours, never user input.
public struct Migration: Sendable, Hashable {
    /// A positive number; migrations apply in increasing order, and a version is applied at most once.
    public var version: Int
    /// A short description, stored in `schema_migrations.name`.
    public var name: String
    /// The statements.
    public var sql: String

    /// A migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// A row of `schema_migrations`: a migration applied to the database.
public struct AppliedMigration: Sendable, Hashable {
    /// The migration's version.
    public var version: Int
    /// The name it had when applied.
    public var name: String
    /// When it was applied.
    public var appliedAt: Date
}
