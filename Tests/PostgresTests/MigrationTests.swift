import Logging
import Postgres
import Testing

@Suite struct MigrationTests {
    static let migrations = [
        Migration(version: 1, name: "creators", sql: """
            CREATE TABLE creators (id uuid PRIMARY KEY, name text NOT NULL);
            CREATE INDEX creators_name ON creators (name);
            """),
        Migration(version: 2, name: "posts", sql: "CREATE TABLE posts (id bigserial PRIMARY KEY, creator uuid REFERENCES creators); INSERT INTO creators VALUES (gen_random_uuid(), 'seed');"),
        Migration(version: 5, name: "post titles", sql: "ALTER TABLE posts ADD COLUMN title text; -- a comment; with semicolons\n"),
    ]

    @Test func runTwiceAppliesOnce() async throws {
        let database = try await createDatabase()
        try await withClient(url: database.url) { client async throws in
            let runner = MigrationRunner(client: client, migrations: Self.migrations, logger: Logger(label: "test.migrations"))
            #expect(try await runner.applied().isEmpty)
            #expect(try await runner.pending().map(\.version) == [1, 2, 5])
            #expect(try await runner.run() == [1, 2, 5])
            #expect(try await runner.run() == [])
            #expect(try await runner.pending().isEmpty)
            #expect(try await runner.applied().map(\.name) == ["creators", "posts", "post titles"])
            #expect(try await client.query("SELECT count(*) AS n FROM creators")[0].decode("n", as: Int.self) == 1)
            let more = MigrationRunner(
                client: client, migrations: Self.migrations + [Migration(version: 6, name: "more", sql: "ALTER TABLE posts ADD COLUMN body text")],
                logger: Logger(label: "test.migrations"))
            #expect(try await more.run() == [6])
        }
        try await dropDatabase(database.name)
    }

    @Test func concurrentRunnersApplyEachMigrationOnce() async throws {
        let database = try await createDatabase()
        try await withClient(url: database.url) { first in
            try await withClient(url: database.url) { second in
                let runners = [first, second].map {
                    MigrationRunner(client: $0, migrations: Self.migrations, logger: Logger(label: "test.migrations"))
                }
                let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for runner in runners { group.addTask { try await runner.run() } }
                    return try await group.reduce(into: [[Int]]()) { $0.append($1) }
                }
                #expect(results.flatMap { $0 }.sorted() == [1, 2, 5])
                #expect(try await first.query("SELECT count(*) AS n FROM creators")[0].decode("n", as: Int.self) == 1)
            }
        }
        try await dropDatabase(database.name)
    }

    @Test func failingMigrationRollsBackItsOwnChanges() async throws {
        let database = try await createDatabase()
        try await withClient(url: database.url) { client async throws in
            let broken = [Self.migrations[0], Migration(version: 2, name: "broken", sql: "CREATE TABLE x (a int); SELECT no_such_function();")]
            let runner = MigrationRunner(client: client, migrations: broken, logger: Logger(label: "test.migrations"))
            await #expect { try await runner.run() } throws: { ($0 as? PostgresError)?.code == .server }
            #expect(try await runner.applied().map(\.version) == [1])
            #expect(try await client.query("SELECT to_regclass('x') IS NULL AS gone")[0].decode("gone", as: Bool.self))
        }
        try await dropDatabase(database.name)
    }

    @Test(arguments: [[1, 1], [2, 1], [0], [-3]])
    func rejectsBadVersionLists(_ versions: [Int]) async throws {
        try await withSchemaClient { client in
            let runner = MigrationRunner(
                client: client, migrations: versions.map { Migration(version: $0, name: "m\($0)", sql: "SELECT 1") },
                logger: Logger(label: "test.migrations"))
            await #expect { try await runner.run() } throws: { ($0 as? PostgresError)?.code == .invalidMigration }
        }
    }
}
