import Domain
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// Runs `body` with a client whose connections live in a fresh schema holding every migration (applied the way
/// `reelay migrate` does: ``SchemaMigrations`` through ``MigrationRunner``). The schema is dropped afterwards, also
/// when `body` throws, so tests run in parallel without seeing each other's rows.
func withMigratedSchema(poolSize: Int = 2, _ body: (PostgresClient) async throws -> Void) async throws {
    let url = try await TestEnvironment.postgresURL()
    let schema = TestEnvironment.uniqueName("schema")
    var admin = try PostgresConfiguration(url: url)
    admin.poolSize = 1
    let adminClient = PostgresClient(configuration: admin, logger: Logger(label: "test"))
    _ = try await adminClient.execute("CREATE SCHEMA \(identifier: schema)")
    var configuration = try PostgresConfiguration(url: url)
    configuration.poolSize = poolSize
    configuration.runtimeParameters["search_path"] = schema
    let client = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
    do {
        let migrations = try SchemaMigrations.all()
        let runner = MigrationRunner(client: client, migrations: migrations, logger: Logger(label: "test"))
        #expect(try await runner.run() == migrations.map(\.version))
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

/// Records for tests, made through the repositories.
enum Fixtures {
    /// Sealed-looking token bytes (Domain never opens them).
    static func tokens(expiresIn: TimeInterval = 86_400, refresh: Bool = true) -> AccountTokens {
        AccountTokens(
            accessTokenCiphertext: Data("sealed-access".utf8), accessTokenExpiresAt: Date().addingTimeInterval(expiresIn),
            refreshTokenCiphertext: refresh ? Data("sealed-refresh".utf8) : nil,
            refreshTokenExpiresAt: refresh ? Date().addingTimeInterval(365 * 86_400) : nil, keyID: "k1")
    }

    /// A connected account.
    static func account(_ client: PostgresClient, openID: String = "open-\(UUID())", nickname: String = "Creator", labels: [String] = []) async throws -> Account {
        try await AccountRepository(client: client).upsertConnected(
            ConnectedAccount(openID: openID, nickname: nickname, username: nil, scopes: ["video.publish"], tokens: Self.tokens(), labels: labels))
    }

    /// A media record with a unique path.
    static func media(_ client: PostgresClient, duration: Double = 12.5) async throws -> Media {
        try await MediaRepository(client: client).insert(
            NewMedia(
                path: "videos/\(UUID()).mp4", originalName: "clip.mp4", contentType: "video/mp4", sizeBytes: 1_000,
                sha256: Data(repeating: 7, count: 32), probe: ["duration_seconds": .number(duration)]))
    }

    /// A post for `account` and `media`, run now.
    static func post(_ client: PostgresClient, account: UUID, media: UUID, key: String = "key-\(UUID())", runAt: Date = Date()) async throws -> Post {
        try await PostRepository(client: client).create(
            NewPost(accountID: account, mediaID: media, caption: "hello", postSettings: ["privacy_level": .string("SELF_ONLY")],
                    mode: .directPost, runAt: runAt, idempotencyKey: key)).post
    }

    /// Forces a post's status (as the result recorder would), keeping the schema's finished_at/error rules.
    static func force(_ client: PostgresClient, post: UUID, to status: PostStatus) async throws {
        _ = try await client.execute("""
            UPDATE posts SET status = \(status.rawValue),
                finished_at = CASE WHEN \(status.isTerminal) THEN now() ELSE NULL END,
                error_code = CASE WHEN \(status.rawValue) = 'failed' THEN 'boom' ELSE error_code END
            WHERE id = \(post)
            """)
    }
}

/// Expects `body` to throw a ``DomainError`` with `code`; returns it.
@discardableResult
func expectDomainError(_ code: DomainError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> DomainError? {
    do {
        try await body()
        Issue.record("expected DomainError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(error.code == code, "\(error.debugDescription)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected DomainError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
