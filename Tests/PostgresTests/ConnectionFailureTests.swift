import Foundation
import Pooling
import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@Suite struct ConnectionFailureTests {
    @Test func reconnectsAfterServerRestart() async throws {
        let server = try await PostgresServer.start()
        defer { Task { try? await server.stop() } }
        try await withClient(url: server.url) { client in
            #expect(try await client.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
            #expect(client.poolStatistics.idle == 1)
            try await server.stop()
            try await server.start()
            // The idle connection died with the old server; the next query gets a fresh one and succeeds.
            #expect(try await client.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
        }
        try await server.stop()
    }

    @Test func queryWhileServerDownSucceedsOnceItIsBack() async throws {
        let server = try await PostgresServer.start()
        try await withClient(url: server.url, configure: { $0.acquireTimeout = .seconds(30) }) { client in
            try await client.execute("SELECT 1")
            try await server.stop()
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask { try await client.query("SELECT 3 AS three")[0].decode("three", as: Int.self) }
                // Wait until the query is retrying its connect (the pool shows an open slot but nothing idle), then restart.
                #expect(try await waitUntil { client.poolStatistics.idle == 0 })
                try await server.start()
                #expect(try await group.next() == 3)
            }
        }
        try await server.stop()
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
            #expect(error.description.contains("127.0.0.1:1/reelay"))
            #expect(error.endpoint == "127.0.0.1:1/reelay")
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(10), "retries stop at the acquire timeout")
    }

    @Test func wrongPasswordFailsAtOnceWithoutThePassword() async throws {
        var configuration = try PostgresConfiguration(url: try await TestEnvironment.postgresURL())
        configuration.parameters["password"] = "not-the-password-xyzzy"
        let start = ContinuousClock.now
        do {
            _ = try await withClient(url: configuration.keywordString, configure: { $0.acquireTimeout = .seconds(30) }) { client in
                try await client.execute("SELECT 1")
            }
            Issue.record("expected an authentication error")
        } catch let error as PostgresError {
            #expect(error.code == .authentication)
            #expect(!String(describing: error).contains("xyzzy"))
            #expect(!String(reflecting: error).contains("xyzzy"))
        }
        #expect(ContinuousClock.now - start < .seconds(10), "an authentication failure is not retried until the acquire timeout")
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
