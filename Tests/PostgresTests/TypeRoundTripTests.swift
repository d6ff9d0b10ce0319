import Foundation
import Postgres
import Testing

@Suite struct TypeRoundTripTests {
    struct Payload: Codable, Equatable {
        var name: String
        var count: Int
        var tags: [String]
    }

    @Test func interpolationBindsEveryValue() {
        let name = "x'; DROP TABLE t; --"
        let id = 7
        let query: PostgresQuery = "SELECT * FROM \(identifier: "my \"t\"") WHERE name = \(name) AND id = \(id) AND n IS \(Int?.none)"
        #expect(query.sql == #"SELECT * FROM "my ""t""" WHERE name = $1 AND id = $2 AND n IS $3"#)
        #expect(query.binds.map(\.text) == [name, "7", nil])
        #expect(!"\(query)".contains("DROP"))
    }

    @Test func scalarsRoundTrip() async throws {
        try await withSchemaClient { client in
            let id = UUID()
            let date = Date(timeIntervalSince1970: 1_717_171_717.123456)
            let text = "héllo 👋🏽 漢字 \"quoted\" \\ back\tslash\nnewline"
            let rows = try await client.query(
                "SELECT \(text)::text AS t, \(42) AS i, \(Int32(-7)) AS i32, \(Int64.max) AS i64, \(true) AS b, \(3.25) AS d, \(id) AS u, \(date) AS ts, \(Double.infinity) AS inf"
            )
            let row = try #require(rows.first)
            #expect(try row.decode("t", as: String.self) == text)
            #expect(try row.decode("i", as: Int.self) == 42)
            #expect(try row.decode("i32", as: Int32.self) == -7)
            #expect(try row.decode("i64", as: Int64.self) == .max)
            #expect(try row.decode("b", as: Bool.self) == true)
            #expect(try row.decode("d", as: Double.self) == 3.25)
            #expect(try row.decode("u", as: UUID.self) == id)
            #expect(try row.decode("inf", as: Double.self) == .infinity)
            let decoded = try row.decode("ts", as: Date.self)
            #expect(abs(decoded.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            #expect(try row.decode(0, as: String.self) == text)
        }
    }

    @Test func timestampKeepsMicroseconds() async throws {
        try await withSchemaClient { client in
            let rows = try await client.query("SELECT '2024-02-29 23:59:59.000001+00'::timestamptz AS ts, \(Date(timeIntervalSince1970: 0.000_002)) AS epoch")
            let row = try #require(rows.first)
            let ts = try row.decode("ts", as: Date.self)
            let micros = Int64((ts.timeIntervalSince1970 * 1_000_000).rounded())
            #expect(micros == 1_709_251_199_000_001)
            let epoch = try row.decode("epoch", as: Date.self)
            #expect(Int64((epoch.timeIntervalSince1970 * 1_000_000).rounded()) == 2)
            let text = try await client.query("SELECT (\(Date(timeIntervalSince1970: 1.5)))::text AS t")
            #expect(try text[0].decode("t", as: String.self) == "1970-01-01 00:00:01.5+00")
        }
    }

    @Test func nullsDecodeAsOptional() async throws {
        try await withSchemaClient { client in
            _ = try await client.execute("CREATE TABLE n (a int, b text, c uuid, d timestamptz, e bytea, f text[], g jsonb)")
            _ = try await client.execute(
                "INSERT INTO n VALUES (\(Int?.none), \(String?.none), \(UUID?.none), \(Date?.none), \([UInt8]?.none), \([String]?.none), \(PostgresJSON?.none))"
            )
            let row = try #require(try await client.query("SELECT * FROM n").first)
            #expect(try row.decode("a", as: Int?.self) == nil)
            #expect(try row.decode("b", as: String?.self) == nil)
            #expect(try row.decode("c", as: UUID?.self) == nil)
            #expect(try row.decode("d", as: Date?.self) == nil)
            #expect(try row.decode("e", as: [UInt8]?.self) == nil)
            #expect(try row.decode("f", as: [String]?.self) == nil)
            #expect(try row.decode("g", as: PostgresJSON?.self) == nil)
            #expect(try row.isNull("a"))
            #expect(throws: PostgresError.self) { try row.decode("a", as: Int.self) }
        }
    }

    @Test func byteaWithZeroBytes() async throws {
        try await withSchemaClient { client in
            let bytes: [UInt8] = [0, 1, 0, 255, 0x5C, 0x27, 0]
            let row = try #require(try await client.query("SELECT \(bytes) AS b, \(Data(bytes)) AS d").first)
            #expect(try row.decode("b", as: [UInt8].self) == bytes)
            #expect(try row.decode("d", as: Data.self) == Data(bytes))
        }
    }

    @Test func textArrayWithAwkwardElements() async throws {
        try await withSchemaClient { client in
            let values: [String?] = ["a,b", "quote\"d", "back\\slash", nil, "NULL", "", " spaced ", "{braces}", "日本"]
            let row = try #require(try await client.query("SELECT \(values) AS a, array_length(\(values), 1) AS n, \(["x", "y"]) AS plain").first)
            #expect(try row.decode("a", as: [String?].self) == values)
            #expect(try row.decode("n", as: Int.self) == values.count)
            #expect(try row.decode("plain", as: [String].self) == ["x", "y"])
            #expect(throws: PostgresError.self) { try row.decode("a", as: [String].self) }
            let empty = try #require(try await client.query("SELECT \([String]()) AS e").first)
            #expect(try empty.decode("e", as: [String].self) == [])
        }
    }

    @Test func jsonbRoundTrip() async throws {
        try await withSchemaClient { client in
            let payload = Payload(name: "ünïcode ✓", count: 3, tags: ["a", "b"])
            let raw = PostgresJSON(bytes: Array(#"{"k": [1, 2]}"#.utf8))
            let row = try #require(try await client.query("SELECT \(json: payload) AS p, \(raw) AS r, (\(json: payload))->>'name' AS n").first)
            #expect(try row.decodeJSON("p", as: Payload.self) == payload)
            #expect(try row.decode("r", as: PostgresJSON.self).bytes == Array(#"{"k": [1, 2]}"#.utf8))
            #expect(try row.decode("n", as: String.self) == payload.name)
        }
    }

    @Test func typeMismatchNamesColumnAndType() async throws {
        try await withSchemaClient { client in
            let row = try #require(try await client.query("SELECT 'abc'::text AS word, 1 AS one").first)
            do {
                _ = try row.decode("word", as: Int.self)
                Issue.record("expected a type mismatch")
            } catch let error as PostgresError {
                #expect(error.code == .typeMismatch)
                #expect(error.column == "word")
                #expect(String(reflecting: error).contains("Int"))
            }
            #expect { try row.decode("one", as: UUID.self) } throws: { ($0 as? PostgresError)?.code == .typeMismatch }
            #expect { try row.decode("missing", as: Int.self) } throws: { ($0 as? PostgresError)?.code == .decoding }
        }
    }

    @Test func nulInTextIsAClearError() async throws {
        try await withSchemaClient { client async throws in
            await #expect {
                try await client.query("SELECT \("a\u{0}b")::text")
            } throws: { ($0 as? PostgresError)?.code == .encoding }
            // The connection and pool are still fine afterwards.
            #expect(try await client.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        }
    }
}
