import Postgres
import Testing

/// One leased connection used from several child tasks at once (`async let`): libpq's `PGconn` is not thread-safe, so
/// the connection serialises its calls, and a transaction owns the connection until it ends.
@Suite struct ConcurrentUseTests {
    @Test func concurrentQueriesOnOneConnectionEachGetTheirOwnReply() async throws {
        try await withSchemaClient { client in
            try await client.withConnection { connection in
                async let first = connection.query("SELECT \(Int32(1)) AS n, repeat('a', 1000) AS filler, pg_sleep(0.02)")
                async let second = connection.query("SELECT \(Int32(2)) AS n, repeat('b', 1000) AS filler, pg_sleep(0.02)")
                async let third = connection.query("SELECT \(Int32(3)) AS n, repeat('c', 1000) AS filler, pg_sleep(0.02)")
                async let fourth = connection.query("SELECT \(Int32(4)) AS n, repeat('d', 1000) AS filler, pg_sleep(0.02)")
                async let fifth = connection.query("SELECT generate_series(1, \(Int32(500))) AS n")
                let replies = try await [first, second, third, fourth]
                for (index, rows) in replies.enumerated() {
                    #expect(rows.count == 1)
                    #expect(try rows[0].decode("n", as: Int.self) == index + 1)
                    let letter = ["a", "b", "c", "d"][index]
                    #expect(try rows[0].decode("filler", as: String.self) == String(repeating: letter, count: 1000))
                }
                #expect(try await fifth.map { try $0.decode("n", as: Int.self) } == Array(1...500))
            }
        }
    }

    @Test func plainQueryBesideATransactionDoesNotRunInsideIt() async throws {
        struct Abandon: Error {}
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE items (id int PRIMARY KEY)")
            let (begun, signal) = AsyncStream.makeStream(of: Void.self)
            try await client.withConnection { connection in
                // The transaction inserts 1, lets the plain insert go, keeps working, and then rolls back. The plain
                // insert of 100 must not run inside it (it would be rolled back with it) nor beside its statements.
                async let transaction: Void = connection.withTransaction { tx in
                    try await tx.execute("INSERT INTO items VALUES (1)")
                    signal.finish()
                    try await tx.execute("SELECT pg_sleep(0.3)")
                    try await tx.execute("INSERT INTO items VALUES (2)")
                    throw Abandon()
                }
                async let plain = { () async throws -> Int in
                    for await _ in begun {}
                    return try await connection.execute("INSERT INTO items VALUES (100)")
                }()
                let rolledBack: Bool
                do {
                    try await transaction
                    rolledBack = false
                } catch {
                    rolledBack = error is Abandon
                }
                let inserted = try await plain
                #expect(rolledBack)
                #expect(inserted == 1)
            }
            let ids = try await client.query("SELECT id FROM items ORDER BY id").map { try $0.decode("id", as: Int.self) }
            #expect(ids == [100])
        }
    }

    @Test func twoTransactionsOnOneConnectionRunOneAfterTheOther() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)")
            try await client.execute("INSERT INTO counter VALUES (1, 0)")
            try await client.withConnection { connection in
                // Read-modify-write in each: interleaved, one increment would be lost (or libpq would refuse).
                @Sendable func increment() async throws {
                    try await connection.withTransaction { tx in
                        let value = try await tx.query("SELECT value FROM counter WHERE id = 1")[0].decode("value", as: Int32.self)
                        try await tx.execute("SELECT pg_sleep(0.05)")
                        try await tx.execute("UPDATE counter SET value = \(value + 1) WHERE id = 1")
                    }
                }
                async let a: Void = increment()
                async let b: Void = increment()
                async let c: Void = increment()
                _ = try await (a, b, c)
            }
            #expect(try await client.query("SELECT value FROM counter")[0].decode("value", as: Int.self) == 3)
        }
    }

    @Test func aCancelledWaiterFailsAloneAndTheConnectionStaysUsable() async throws {
        try await withSchemaClient { client in
            try await client.withConnection { connection in
                let (running, signal) = AsyncStream.makeStream(of: Void.self)
                async let slow = { () async throws -> Int in
                    signal.finish()
                    return try await connection.query("SELECT \(Int32(7)) AS n, pg_sleep(0.3)")[0].decode("n", as: Int.self)
                }()
                for await _ in running {}
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await #expect(throws: CancellationError.self) { try await connection.query("SELECT 1") }
                    }
                    group.cancelAll()
                }
                let slowValue = try await slow
                #expect(slowValue == 7)
                #expect(try await connection.query("SELECT \(Int32(8)) AS n")[0].decode("n", as: Int.self) == 8)
            }
        }
    }

    @Test func aConnectionKeptPastItsTransactionIsRefused() async throws {
        try await withSchemaClient { client in
            try await client.withConnection { connection in
                let (release, signal) = AsyncStream.makeStream(of: Void.self)
                // An unstructured task escapes the transaction's body (a bug in the caller), and uses it afterwards.
                let late = try await connection.withTransaction { tx in
                    Task {
                        for await _ in release {}
                        return try await tx.query("SELECT 1 AS n")
                    }
                }
                signal.finish()
                await #expect {
                    try await late.value
                } throws: { ($0 as? PostgresError)?.code == .connectionMisuse }
                #expect(try await connection.query("SELECT \(Int32(9)) AS n")[0].decode("n", as: Int.self) == 9)
            }
        }
    }
}
