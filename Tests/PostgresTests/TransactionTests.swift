import Foundation
import Postgres
import Testing

@Suite struct TransactionTests {
    @Test func injectionAttemptIsStoredVerbatim() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE notes (body text NOT NULL)")
            let evil = "'); DROP TABLE notes; --"
            #expect(try await client.execute("INSERT INTO notes (body) VALUES (\(evil))") == 1)
            let rows = try await client.query("SELECT body FROM notes WHERE body = \(evil)")
            #expect(try rows.map { try $0.decode("body", as: String.self) } == [evil])
        }
    }

    @Test func throwRollsBack() async throws {
        struct Boom: Error {}
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE items (id int PRIMARY KEY)")
            await #expect(throws: Boom.self) {
                try await client.withTransaction { tx in
                    try await tx.execute("INSERT INTO items VALUES (\(Int32(1)))")
                    throw Boom()
                }
            }
            #expect(try await client.query("SELECT count(*) AS n FROM items")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test func returnCommits() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE items (id int PRIMARY KEY)")
            let inserted = try await client.withTransaction { tx in
                try await tx.execute("INSERT INTO items VALUES (1), (2)")
            }
            #expect(inserted == 2)
            #expect(try await client.query("SELECT count(*) AS n FROM items")[0].decode("n", as: Int.self) == 2)
        }
    }

    @Test func uniqueViolationHasSQLState() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE users (email text CONSTRAINT users_email_key UNIQUE)")
            try await client.execute("INSERT INTO users VALUES (\("a@example.com"))")
            do {
                try await client.execute("INSERT INTO users VALUES (\("a@example.com"))")
                Issue.record("expected a unique violation")
            } catch let error as PostgresError {
                #expect(error.code == .server)
                #expect(error.sqlState == "23505")
                #expect(error.isUniqueViolation)
                #expect(error.constraint == "users_email_key")
                #expect(!error.description.contains("a@example.com"))
                #expect(error.debugDescription.contains("users_email_key"))
            }
        }
    }

    @Test func swallowedErrorInTransactionIsReportedOnCommit() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE items (id int PRIMARY KEY)")
            await #expect {
                try await client.withTransaction { tx in
                    try await tx.execute("INSERT INTO items VALUES (1)")
                    _ = try? await tx.execute("INSERT INTO items VALUES (1)")
                }
            } throws: { ($0 as? PostgresError)?.code == .transactionAborted }
            #expect(try await client.query("SELECT count(*) AS n FROM items")[0].decode("n", as: Int.self) == 0)
        }
    }
}
