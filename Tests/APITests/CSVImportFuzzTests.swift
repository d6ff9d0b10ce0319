import Domain
import Foundation
import JobQueue
import NIOHTTP1
import Postgres
import Testing

@testable import API

/// Hostile CSV files against `POST /posts/import` and `POST /accounts/import` on a running API with real PostgreSQL and
/// Redis: random bytes, bad encodings, NUL, broken quotes, ragged lines, unknown or repeated columns, huge fields,
/// spreadsheet formulas in any cell, values that do not read, and a body over the size limit. Every file holds at
/// least one fault, so every answer must be a 4xx with the JSON error shape, and nothing may be stored: no post, event,
/// account or job. A clean file built by the same generator is then imported, so the checks can see a write.
///
/// Seeded (printed; `REELAY_FUZZ_SEED` replays a run), `REELAY_FUZZ_CASES` files per endpoint (default 100).
@Suite struct CSVImportFuzzTests {
    /// The suite's seeded generator (SplitMix64), so a failing file can be rebuilt from the seed and case number.
    typealias SeededRandom = MediaSnifferTests.SeededRandom

    /// The ways a file is broken; each case applies one (or several, for `.combined`).
    enum Fault: CaseIterable {
        case randomBytes, invalidUTF8, nul, unterminatedQuote, raggedLine, unknownColumn, repeatedColumn, hugeField, formula, badValue,
            combined
    }

    static let seed = ProcessInfo.processInfo.environment["REELAY_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
    static let cases = ProcessInfo.processInfo.environment["REELAY_FUZZ_CASES"].flatMap(Int.init) ?? 100

    /// One import route under test: its path, columns, how to write a good row, which cells the fuzzer may break.
    struct Target {
        var path: String
        var header: [String]
        var goodRow: (Int, inout SeededRandom) -> [String]
        var badValues: [String: [String]]
        var hugeColumns: [String]
        var formulaColumns: [String]
    }

    @Test func hostilePostImportFilesAre4xxAndStoreNothing() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let target = Target(
                path: "/api/v1/posts/import",
                header: ["idempotency_key", "media_id", "account_id", "caption", "at", "timezone", "mode", "privacy_level", "disable_comment"],
                goodRow: { index, random in
                    let hour = Int.random(in: 0...23, using: &random)
                    return [
                        "fuzz-\(index)-\(random.next() % 1_000_000)", "\(media.id)", "\(account.id)", "Clip \(index), with \"quotes\" and émoji 🎬",
                        String(format: "2099-05-%02dT%02d:00:00", Int.random(in: 1...28, using: &random), hour), "Europe/Paris",
                        ["direct_post", ""].randomElement(using: &random)!, "SELF_ONLY", ["true", "false", "1", "0"].randomElement(using: &random)!,
                    ]
                },
                badValues: [
                    "media_id": ["not-a-uuid", "\(UUID())"], "account_id": ["42", "\(UUID())"], "at": ["someday", "2099-02-30T10:00", ""],
                    "timezone": ["Mars/Olympus", "UTC+99"], "mode": ["story", "DIRECT"], "privacy_level": ["EVERYONE", "0"],
                    "disable_comment": ["maybe", "2"], "idempotency_key": [""],
                ],
                hugeColumns: ["caption", "idempotency_key"],
                formulaColumns: ["idempotency_key", "media_id", "account_id", "caption", "at", "timezone", "mode", "privacy_level", "disable_comment"])
            try await self.fuzz(api, key: editor, target: target)
            #expect(try await RouteFixtures.count(api, "posts") > 0, "the clean file was imported")
        }
    }

    @Test func hostileAccountImportFilesAre4xxAndStoreNothing() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let target = Target(
                path: "/api/v1/accounts/import",
                header: [
                    "open_id", "access_token", "access_token_expires_at", "refresh_token", "refresh_token_expires_at", "scopes", "nickname", "labels",
                    "timezone", "daily_cap",
                ],
                goodRow: { index, random in
                    [
                        "fuzz-open-\(index)-\(random.next() % 1_000_000)", "act.\(random.next())", "2099-01-01T00:00:00Z", "rft.\(random.next())",
                        "2099-06-01T00:00:00Z", "video.publish|user.info.basic", "Creator \(index), \"quoted\" ✨", "eu|fuzz", "Europe/Paris",
                        "\(Int.random(in: 1...15, using: &random))",
                    ]
                },
                badValues: [
                    "access_token_expires_at": ["tomorrow", ""], "refresh_token_expires_at": ["", "2099-13-01T00:00:00Z"],
                    "timezone": ["Atlantis/Capital"], "daily_cap": ["lots", "-1", "1.5"], "open_id": [""], "labels": ["bad label|x"],
                ],
                hugeColumns: ["nickname", "open_id", "labels"],
                formulaColumns: ["open_id", "nickname", "labels", "timezone"])
            try await self.fuzz(api, key: editor, target: target)
            #expect(try await RouteFixtures.count(api, "accounts") > 0, "the clean file was imported")
        }
    }

    /// Sends ``cases`` broken files, checks each answer and that nothing was stored, then one clean file (which must
    /// import, or the checks could not see a write), then one body over the size limit.
    func fuzz(_ api: APIHarness, key: String, target: Target) async throws {
        print("CSV import fuzz \(target.path): seed \(Self.seed), \(Self.cases) files (REELAY_FUZZ_SEED=\(Self.seed) replays)")
        var random = SeededRandom(state: Self.seed)
        let before = try await self.storedRows(api)
        var seen: [Fault: Int] = [:]
        for number in 0..<Self.cases {
            let fault = Fault.allCases[number % Fault.allCases.count]
            let body = self.brokenFile(target, fault: fault, random: &random)
            seen[fault, default: 0] += 1
            let reply = try await api.sendRaw(.POST, target.path, key: key, body: body, contentType: "text/csv")
            let error = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["error"] as? [String: Any]
            let context = "case \(number) (\(fault)), seed \(Self.seed): \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
            #expect((400..<500).contains(reply.status) && ![401, 403, 404].contains(reply.status), "\(context)")
            #expect(error?["code"] is String && error?["message"] is String, "\(context)")
            #expect(try await self.storedRows(api) == before, "\(context)")
        }
        #expect(seen.count == Fault.allCases.count || Self.cases < Fault.allCases.count)

        let clean = self.file(target.header, (0..<5).map { target.goodRow($0, &random) })
        let accepted = try await api.sendRaw(.POST, target.path, key: key, body: clean, contentType: "text/csv")
        #expect(accepted.status == 200, "the clean file: \(String(decoding: accepted.body.prefix(500), as: UTF8.self))")

        var oversized = Data(target.header.joined(separator: ",").utf8)
        oversized.append(Data(repeating: UInt8(ascii: "a"), count: CSVRows.maximumBytes + 1))
        let tooLarge = try await api.sendRaw(.POST, target.path, key: key, body: oversized, contentType: "text/csv")
        #expect(tooLarge.status == 413)
    }

    /// What an import could have written: posts, their events, accounts, and the queue's ready and scheduled jobs.
    func storedRows(_ api: APIHarness) async throws -> [Int] {
        let row = try await api.postgres.query(
            "SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM post_events) AS events, (SELECT count(*) FROM accounts) AS accounts"
        ).first
        let queue = try await RouteFixtures.queueStats(api)
        return [
            try row?.decode("posts", as: Int.self) ?? -1, try row?.decode("events", as: Int.self) ?? -1, try row?.decode("accounts", as: Int.self) ?? -1,
            queue.ready, queue.scheduled,
        ]
    }

    /// A file of 1–12 good rows with `fault` applied.
    func brokenFile(_ target: Target, fault: Fault, random: inout SeededRandom) -> Data {
        var header = target.header
        var rows = (0..<Int.random(in: 1...12, using: &random)).map { target.goodRow($0, &random) }
        let row = Int.random(in: 0..<rows.count, using: &random)
        switch fault {
        case .randomBytes:
            return Data((0..<Int.random(in: 1...4096, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case .invalidUTF8:
            var data = self.file(header, rows)
            let bad: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE9]]
            data.insert(contentsOf: bad.randomElement(using: &random)!, at: Int.random(in: 0...data.count, using: &random))
            return data
        case .nul:
            var data = self.file(header, rows)
            data.insert(0, at: Int.random(in: 0...data.count, using: &random))
            return data
        case .unterminatedQuote:
            // A cell that opens a quote nobody closes swallows the rest of the file.
            let column = Int.random(in: 0..<header.count, using: &random)
            return Data(self.text(header, rows, quotingRow: row, column: column).utf8)
        case .raggedLine:
            rows[row] += (0..<Int.random(in: 1...3, using: &random)).map { _ in "extra" }
        case .unknownColumn:
            header.insert(["password", "colour", "Caption", " ", "access token"].randomElement(using: &random)!, at: Int.random(in: 0...header.count, using: &random))
            rows = rows.map { $0 + ["x"] }
        case .repeatedColumn:
            let column = Int.random(in: 0..<header.count, using: &random)
            header.append(header[column])
            rows = rows.map { $0 + [$0[column]] }
        case .hugeField:
            let column = target.hugeColumns.randomElement(using: &random)!
            let size = [2201, 20_000, 300_000].randomElement(using: &random)!  // above every column's limit (captions: 2,200)
            rows[row][header.firstIndex(of: column)!] = String(repeating: "ż", count: size)
        case .formula:
            let column = target.formulaColumns.randomElement(using: &random)!
            let payload = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@HYPERLINK(\"http://x\")", "\tpadded", "\r=1", "=1"].randomElement(using: &random)!
            rows[row][header.firstIndex(of: column)!] = payload
        case .badValue:
            let (column, values) = target.badValues.randomElement(using: &random)!
            rows[row][header.firstIndex(of: column)!] = values.randomElement(using: &random)!
        case .combined:
            let column = target.formulaColumns.randomElement(using: &random)!
            rows[row][header.firstIndex(of: column)!] = "=HYPERLINK(\"http://evil\")"
            let (bad, values) = target.badValues.randomElement(using: &random)!
            rows[Int.random(in: 0..<rows.count, using: &random)][header.firstIndex(of: bad)!] = values.randomElement(using: &random)!
            return Data(("\u{FEFF}" + self.text(header, rows).replacingOccurrences(of: "\r\n", with: "\n")).utf8)
        }
        return self.file(header, rows)
    }

    func file(_ header: [String], _ rows: [[String]]) -> Data { Data(self.text(header, rows).utf8) }

    /// RFC 4180 text: a cell is quoted when it holds a comma, quote or line break, or starts with white space (which
    /// the parser drops from unquoted cells, as spreadsheets do); `quotingRow`/`column` ends the file inside an open quote.
    func text(_ header: [String], _ rows: [[String]], quotingRow: Int? = nil, column: Int? = nil) -> String {
        let cell = { (value: String) -> String in
            value.contains(where: { ",\"\r\n".contains($0) }) || value.first?.isWhitespace == true
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        var lines = [header.map(cell).joined(separator: ",")]
        for (index, row) in rows.enumerated() {
            if index == quotingRow, let column {
                lines.append((row.prefix(column).map(cell) + ["\"" + row[column].replacingOccurrences(of: "\"", with: "\"\"")]).joined(separator: ","))
                return lines.joined(separator: "\r\n")
            }
            lines.append(row.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
