import Postgres
import Testing

/// `PostgresError.description` flows into `JobQueueError`, API errors and info logs, so it says what kind of failure it
/// was and nothing else; the SQL, the values, the server's message and where the database lives are only in
/// `debugDescription`.
@Suite struct ErrorBoundaryTests {
    @Test func serverErrorDescriptionIsItsCodeOnly() async throws {
        let secret = "secret-value-4711@example.com"
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE subscribers (email text CONSTRAINT subscribers_email_key UNIQUE)")
            try await client.execute("INSERT INTO subscribers VALUES (\(secret))")
            do {
                try await client.execute("INSERT INTO subscribers VALUES (\(secret))")
                Issue.record("expected a unique violation")
            } catch let error as PostgresError {
                #expect(error.description == "PostgresError(code: server, sqlState: 23505)")
                for leak in [secret, "subscribers", "INSERT", "duplicate key"] {
                    #expect(!error.description.contains(leak), "description holds \(leak)")
                    #expect(!"\(error)".contains(leak), "interpolation holds \(leak)")
                }
                #expect(error.debugDescription.contains(secret), "the server's DETAIL names the duplicated key")
                #expect(error.debugDescription.contains("subscribers_email_key"))
                #expect(error.debugDescription.contains("duplicate key"))
            }
        }
    }

    @Test func connectErrorDescriptionDoesNotSayWhereTheDatabaseIs() async throws {
        do {
            _ = try await withClient(url: "postgres://reelay:hunter2@127.0.0.1:1/customers", configure: { $0.acquireTimeout = .seconds(1) }) {
                try await $0.execute("SELECT 1")
            }
            Issue.record("expected a connect error")
        } catch let error as PostgresError {
            #expect(error.description == "PostgresError(code: connect)")
            #expect(error.debugDescription.contains("127.0.0.1:1/customers"))
            #expect(!error.debugDescription.contains("hunter2"))
        }
    }

    @Test func decodingErrorDescriptionHoldsNeitherColumnNorValue() async throws {
        try await withSchemaClient { client in
            let rows = try await client.query("SELECT 'not-a-number-0815' AS private_column")
            do {
                _ = try rows[0].decode("private_column", as: Int.self)
                Issue.record("expected a type mismatch")
            } catch let error as PostgresError {
                #expect(error.description == "PostgresError(code: typeMismatch)")
                #expect(error.debugDescription.contains("private_column"))
            }
            do {
                _ = try rows[0].decode("missing_column", as: Int.self)
                Issue.record("expected a decoding error")
            } catch let error as PostgresError {
                #expect(error.description == "PostgresError(code: decoding)")
                #expect(error.debugDescription.contains("private_column"), "the columns the row has")
            }
        }
    }
}
