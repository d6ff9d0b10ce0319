import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import Domain

@Suite struct MigrationCatalogTests {
    @Test func shipsTheInitialMigration() throws {
        let migrations = try SchemaMigrations.all()
        #expect(migrations.first?.version == 1)
        #expect(migrations.first?.name == "initial")
        #expect(migrations.first?.sql.contains("CREATE TABLE posts") == true)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
    }

    @Test func ordersByVersionAndRejectsBadNames() throws {
        let parsed = try SchemaMigrations.parse(names: ["0002_b.sql", "0001_a.sql"]) { "-- \($0)" }
        #expect(parsed.map(\.version) == [1, 2])
        #expect(parsed.map(\.name) == ["a", "b"])
        #expect(throws: SchemaMigrations.CatalogError.self) { try SchemaMigrations.parse(names: ["first.sql"]) { _ in "" } }
        #expect(throws: SchemaMigrations.CatalogError.self) { try SchemaMigrations.parse(names: ["0001_a.sql", "1_b.sql"]) { _ in "" } }
    }
}

/// The first migration against a real PostgreSQL, in a schema of its own.
@Suite struct InitialSchemaTests {
    /// Runs `body` with a client whose connections live in a fresh schema holding the migrated tables.
    func withMigratedSchema(_ body: (PostgresClient) async throws -> Void) async throws {
        let url = try await TestEnvironment.postgresURL()
        let schema = TestEnvironment.uniqueName("schema")
        var admin = try PostgresConfiguration(url: url)
        admin.poolSize = 1
        let adminClient = PostgresClient(configuration: admin, logger: Logger(label: "test"))
        _ = try await adminClient.execute("CREATE SCHEMA \(identifier: schema)")
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 2
        configuration.runtimeParameters["search_path"] = schema
        let client = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
        do {
            let runner = MigrationRunner(client: client, migrations: try SchemaMigrations.all(), logger: Logger(label: "test"))
            let versions = try SchemaMigrations.all().map(\.version)
            #expect(try await runner.run() == versions)
            #expect(try await runner.run() == [], "a second run applies nothing")
            try await body(client)
        } catch {
            await client.shutdown()
            _ = try? await adminClient.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await adminClient.shutdown()
            throw error
        }
        await client.shutdown()
        _ = try await adminClient.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await adminClient.shutdown()
    }

    /// Inserts an account and a media row; returns their ids.
    func seed(_ client: PostgresClient) async throws -> (account: UUID, media: UUID) {
        let account = UUID()
        let media = UUID()
        _ = try await client.execute("INSERT INTO accounts (id, open_id, nickname) VALUES (\(account), \("open-\(account)"), 'Creator')")
        _ = try await client.execute(
            "INSERT INTO media (id, path, size_bytes, sha256) VALUES (\(media), \("videos/\(media).mp4"), 1000, \([UInt8](repeating: 7, count: 32)))")
        return (account, media)
    }

    @Test func createsEveryRecordOfTheArchitecture() async throws {
        try await withMigratedSchema { client in
            let rows = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")
            let tables = try rows.map { try $0.decode("table_name", as: String.self) }
            for table in ["accounts", "api_keys", "campaign_media", "campaigns", "media", "post_events", "posts", "schema_migrations"] {
                #expect(tables.contains(table), "\(table) missing")
            }
        }
    }

    @Test func aPostRoundTripsAndFinishesConsistently() async throws {
        try await withMigratedSchema { client in
            let (account, media) = try await seed(client)
            let post = UUID()
            _ = try await client.execute("""
                INSERT INTO posts (id, account_id, media_id, status, run_at, idempotency_key)
                VALUES (\(post), \(account), \(media), 'queued', now(), \("key-\(post)"))
                """)
            _ = try await client.execute(
                "UPDATE posts SET status = 'completed', finished_at = now(), publish_id = 'v_pub_file~1' WHERE id = \(post)")
            _ = try await client.execute(
                "INSERT INTO post_events (post_id, event, from_status, to_status, stream_id) VALUES (\(post), 'completed', 'running', 'completed', '1-0')")
            let status = try await client.query("SELECT status FROM posts WHERE id = \(post)").first?.decode("status", as: String.self)
            #expect(status == "completed")
        }
    }

    @Test func constraintsRejectWhatCannotBeTrue() async throws {
        try await withMigratedSchema { client in
            let (account, media) = try await seed(client)
            func rejected(_ query: PostgresQuery, _ check: (PostgresError) -> Bool) async {
                do {
                    _ = try await client.execute(query)
                    Issue.record("accepted: \(query)")
                } catch let error as PostgresError {
                    #expect(check(error), "\(error.debugDescription)")
                } catch {
                    Issue.record("unexpected \(error)")
                }
            }
            let id = UUID()
            await rejected("INSERT INTO accounts (open_id, status) VALUES ('x', 'bogus')") { $0.isCheckViolation }
            await rejected("INSERT INTO accounts (open_id, status) VALUES ('y', 'cooldown')") { $0.isCheckViolation }
            await rejected("INSERT INTO media (path, size_bytes, sha256) VALUES ('../etc/passwd', 1, \([UInt8](repeating: 1, count: 32)))") {
                $0.isCheckViolation
            }
            await rejected("INSERT INTO media (path, size_bytes, sha256) VALUES ('/abs/v.mp4', 1, \([UInt8](repeating: 1, count: 32)))") {
                $0.isCheckViolation
            }
            await rejected("INSERT INTO media (path, size_bytes, sha256) VALUES ('short-hash.mp4', 1, \([UInt8](repeating: 1, count: 3)))") {
                $0.isCheckViolation
            }
            await rejected("INSERT INTO posts (account_id, media_id, run_at, idempotency_key) VALUES (\(UUID()), \(media), now(), 'k1')") {
                $0.isForeignKeyViolation
            }
            await rejected("INSERT INTO posts (id, account_id, media_id, status, run_at, idempotency_key) VALUES (\(id), \(account), \(media), 'completed', now(), 'k2')") {
                $0.isCheckViolation
            }
            await rejected("INSERT INTO posts (account_id, media_id, status, run_at, idempotency_key, finished_at) VALUES (\(account), \(media), 'failed', now(), 'k3', now())") {
                $0.isCheckViolation
            }
            _ = try await client.execute("INSERT INTO posts (account_id, media_id, run_at, idempotency_key) VALUES (\(account), \(media), now(), 'same')")
            await rejected("INSERT INTO posts (account_id, media_id, run_at, idempotency_key) VALUES (\(account), \(media), now(), 'same')") {
                $0.isUniqueViolation
            }
            await rejected("INSERT INTO api_keys (name, prefix, key_hash, role) VALUES ('k', 'rl_abcdef', \([UInt8](repeating: 2, count: 32)), 'root')") {
                $0.isCheckViolation
            }
        }
    }
}
