import Foundation
import Pooling
import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@Suite struct ConnectionFailureTests {
    @Test func reconnectsAfterServerRestart() async throws {
        try await PostgresServer.with { server in
            try await withClient(url: server.url) { client in
                #expect(try await client.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
                #expect(client.poolStatistics.idle == 1)
                try await server.stop()
                try await server.start()
                // The idle connection died with the old server; the next query gets a fresh one and succeeds.
                #expect(try await client.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
            }
        }
    }

    @Test func queryWhileServerDownSucceedsOnceItIsBack() async throws {
        try await PostgresServer.with { server in
            try await withClient(url: server.url, configure: { $0.acquireTimeout = .seconds(30) }) { client in
                try await client.execute("SELECT 1")
                try await server.stop()
                try await withThrowingTaskGroup(of: Int.self) { group in
                    group.addTask { try await client.query("SELECT 3 AS three")[0].decode("three", as: Int.self) }
                    // Once the query took the dead idle connection (nothing idle, one slot open: it is now reconnecting with
                    // back-off), bring the server back; the same query then succeeds.
                    try await eventually("the query to take the dead connection") { client.poolStatistics.idle == 0 && client.poolStatistics.open == 1 }
                    try await server.start()
                    #expect(try await group.next() == 3)
                }
            }
        }
    }

    @Test func unreachablePortFailsNamingHostAndPort() async throws {
        let start = ContinuousClock.now
        do {
            _ = try await withClient(url: "postgres://reelay:pw@127.0.0.1:1/reelay", configure: { $0.acquireTimeout = .seconds(1) }) { client in
                try await client.execute("SELECT 1")
            }
            Issue.record("expected a connect error")
        } catch let error as PostgresError {
            #expect(error.code == .connect)
            #expect(error.debugDescription.contains("127.0.0.1:1/reelay"))
            #expect(error.endpoint == "127.0.0.1:1/reelay")
        }
        let elapsed = ContinuousClock.now - start
        // Generous bound: it shows the retries stop (at the 1 s acquire timeout) instead of hanging. Other tests start
        // PostgreSQL clusters at the same time, which can hold up this task for several seconds on a small machine.
        #expect(elapsed < .seconds(30), "retries stop at the acquire timeout")
    }

    @Test func wrongPasswordFailsAtOnceWithoutThePassword() async throws {
        var configuration = try PostgresConfiguration(url: try await TestEnvironment.postgresURL())
        configuration.parameters["password"] = "not-the-password-xyzzy"
        let start = ContinuousClock.now
        do {
            _ = try await withClient(url: configuration.keywordString, configure: { $0.acquireTimeout = .seconds(120) }) { client in
                try await client.execute("SELECT 1")
            }
            Issue.record("expected an authentication error")
        } catch let error as PostgresError {
            #expect(error.code == .authentication)
            #expect(!String(describing: error).contains("xyzzy"))
            #expect(!String(reflecting: error).contains("xyzzy"))
        }
        #expect(ContinuousClock.now - start < .seconds(60), "an authentication failure is not retried until the 120 s acquire timeout")
    }

    @Test func missingDatabaseIsAClearError() async throws {
        var configuration = try PostgresConfiguration(url: try await TestEnvironment.postgresURL())
        configuration.parameters["dbname"] = TestEnvironment.uniqueName("nodb")
        do {
            _ = try await withClient(url: configuration.keywordString, configure: { $0.acquireTimeout = .seconds(30) }) { client in
                try await client.execute("SELECT 1")
            }
            Issue.record("expected a missing-database error")
        } catch let error as PostgresError {
            #expect(error.code == .databaseMissing)
            #expect(error.endpoint?.hasSuffix(configuration.parameters["dbname"]!) == true)
        }
    }

    @Test func exhaustedPoolWaitsThenTimesOut() async throws {
        try await withSchemaClient(configure: {
            $0.poolSize = 1
            $0.acquireTimeout = .milliseconds(300)
        }) { client in
            try await client.withConnection { _ in
                let start = ContinuousClock.now
                await #expect {
                    try await client.execute("SELECT 1")
                } throws: { ($0 as? PostgresError)?.code == .poolExhausted }
                #expect(ContinuousClock.now - start >= .milliseconds(250), "it waited for the acquire timeout")
            }
            #expect(try await client.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func statementTimeoutCancelsLongQueries() async throws {
        try await withSchemaClient(configure: { $0.statementTimeout = .milliseconds(200) }) { client async throws in
            await #expect {
                try await client.execute("SELECT pg_sleep(5)")
            } throws: { ($0 as? PostgresError)?.sqlState == "57014" }
            #expect(try await client.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func connectionLeftInTransactionIsNotReused() async throws {
        try await withSchemaClient(configure: { $0.poolSize = 1 }) { client in
            let first = try await client.withConnection { connection in
                try await connection.execute("BEGIN")
                return try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
            }
            let second = try await client.query("SELECT pg_backend_pid() AS pid, now() = statement_timestamp() AS fresh")[0]
            #expect(try second.decode("pid", as: Int.self) != first)
        }
    }

    @Test func runsAsServiceAndClosesOnShutdown() async throws {
        let url = try await TestEnvironment.postgresURL()
        let client = PostgresClient(configuration: try PostgresConfiguration(url: url))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            #expect(try await client.query("SELECT 1 AS one").count == 1)
            group.cancelAll()
            try await group.waitForAll()
        }
        await #expect {
            try await client.execute("SELECT 1")
        } throws: { ($0 as? PostgresError)?.code == .poolClosed }
    }
}
