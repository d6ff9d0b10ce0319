import Foundation
import Postgres
import Testing

@Suite struct CopyTests {
    @Test func copiesAwkwardValues() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE c (id int, body text, flag bool, at timestamptz)")
            let awkward = "tab\there\nnew line\\ back \\N not null\r\u{1F600}"
            let at = Date(timeIntervalSince1970: 1_700_000_000.25)
            let copied = try await client.copy(
                into: "c", columns: ["id", "body", "flag", "at"],
                rows: [[1, PostgresCopyValue(stringLiteral: awkward), true, try PostgresCopyValue(at)], [2, nil, nil, nil]])
            #expect(copied == 2)
            let rows = try await client.query("SELECT body, flag, at FROM c ORDER BY id")
            #expect(try rows[0].decode("body", as: String.self) == awkward)
            #expect(try rows[0].decode("at", as: Date.self) == at)
            #expect(try rows[1].decode("body", as: String?.self) == nil)
            #expect(try rows[1].decode("flag", as: Bool?.self) == nil)
        }
    }

    @Test func copyFailureInsertsNothingAndKeepsTheClientUsable() async throws {
        try await withSchemaClient(configure: { $0.poolSize = 1 }) { client in
            try await client.execute("CREATE TABLE c (id int)")
            await #expect(throws: PostgresError.self) {
                try await client.copy(into: "c", columns: ["id"], rows: [[1], ["not a number"]])
            }
            await #expect(throws: PostgresError.self) {
                try await client.copy(into: "c", columns: ["id"], rows: [[1, 2]])
            }
            #expect(try await client.query("SELECT count(*) AS n FROM c")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test func copies100kRows() async throws {
        try await withSchemaClient { client in
            try await client.execute("CREATE TABLE bulk (id int PRIMARY KEY, name text, score float8, tags text)")
            let count = 100_000
            let rows = (0..<count).lazy.map { i -> [PostgresCopyValue?] in
                [PostgresCopyValue(integerLiteral: i), PostgresCopyValue(stringLiteral: "name \(i)\twith tab"), PostgresCopyValue(floatLiteral: Double(i) / 4),
                 i % 10 == 0 ? nil : PostgresCopyValue(stringLiteral: "a,b")]
            }
            let start = ContinuousClock.now
            let copied = try await client.copy(into: "bulk", columns: ["id", "name", "score", "tags"], rows: rows)
            let elapsed = ContinuousClock.now - start
            print("COPY of \(count) rows took \(elapsed)")
            #expect(copied == count)
            #expect(try await client.query("SELECT count(*) AS n FROM bulk")[0].decode("n", as: Int.self) == count)
            let sample = try #require(try await client.query("SELECT name, score, tags FROM bulk WHERE id = \(Int32(77_770))").first)
            #expect(try sample.decode("name", as: String.self) == "name 77770\twith tab")
            #expect(try sample.decode("score", as: Double.self) == 19_442.5)
            #expect(try sample.decode("tags", as: String?.self) == nil)
        }
    }
}
