import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime
import SwiftCSV

/// A CSV request body (`text/csv`) read into rows of named cells with SwiftCSV: UTF-8 only (a leading byte order mark
/// is dropped), a header line naming the columns, every column known to the route. A file that breaks one of these is
/// refused whole with a 400 naming the problem; what is wrong inside a row is the route's to report, per row.
struct CSVRows: Sendable {
    /// One data line: its 1-based number among the data lines and its cells by column name (empty cells left out).
    struct Row: Sendable {
        var number: Int
        var cells: [String: String]

        /// The cell of `column`, `nil` when empty or absent.
        subscript(_ column: String) -> String? { self.cells[column] }
    }

    /// The column names, in file order.
    var header: [String]
    /// The data lines, in file order; blank lines are skipped.
    var rows: [Row]

    /// The largest body read, as the spec's `maxLength`.
    static let maximumBytes = 10 * 1024 * 1024

    /// Collects `body` (at most ``maximumBytes``) and parses it.
    /// - Throws: ``APIError`` 413 for a larger body, 400 otherwise (see ``parse(_:columns:)``).
    static func read(_ body: HTTPBody, columns: Set<String>) async throws -> CSVRows {
        let data: Data
        do {
            data = try await Data(collecting: body, upTo: Self.maximumBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "the CSV body is larger than \(Self.maximumBytes) bytes")
        }
        return try Self.parse(data, columns: columns)
    }

    /// Parses CSV bytes whose header may name only `columns`.
    /// - Throws: ``APIError`` 400: `invalid_encoding` (not UTF-8), `invalid_csv` (no header, an unterminated quote, a
    ///   repeated column, a line with more cells than the header), `invalid_request` listing the unknown columns.
    static func parse(_ data: Data, columns: Set<String>) throws(APIError) -> CSVRows {
        guard var text = String(validating: data, as: UTF8.self) else {
            throw APIError(.badRequest, code: "invalid_encoding", message: "the CSV body is not valid UTF-8; save the file as UTF-8")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard !text.contains("\0") else { throw Self.invalid("the CSV body holds a NUL character") }
        // SwiftCSV takes a quote left open at the end as closed there; in RFC 4180 quotes come in pairs (a quoted cell's
        // two, and a doubled quote inside it), so an odd count is a cell that is never closed.
        guard text.utf8.count(where: { $0 == UInt8(ascii: "\"") }).isMultiple(of: 2) else {
            throw Self.invalid("a quoted cell is never closed (check its quotes)")
        }
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
        } catch {
            throw Self.invalid("the CSV body does not parse (check its quotes)")
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !header.isEmpty, !header.allSatisfy(\.isEmpty) else { throw Self.invalid("the CSV body needs a header line naming its columns") }
        var seen: Set<String> = []
        for name in header where !seen.insert(name).inserted { throw Self.invalid("the column \(name.prefix(64)) appears twice") }
        let unknown = header.filter { !columns.contains($0) }
        guard unknown.isEmpty else {
            throw APIError(
                .badRequest, code: "invalid_request", message: "the CSV header names unknown columns",
                details: unknown.map { FieldProblem(field: String($0.prefix(64)), problem: "is not a known column") })
        }
        var rows: [Row] = []
        for line in csv.rows where !line.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            let number = rows.count + 1
            guard !line.dropFirst(header.count).contains(where: { !$0.isEmpty }) else {
                throw Self.invalid("data line \(number) has more cells than the header")
            }
            var cells: [String: String] = [:]
            for (name, value) in zip(header, line) where !value.isEmpty { cells[name] = value }
            rows.append(Row(number: number, cells: cells))
        }
        return CSVRows(header: header, rows: rows)
    }

    static func invalid(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_csv", message: message) }

    /// The characters that make a spreadsheet run a cell as a formula when they start it.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// The problem a spreadsheet formula in a cell makes.
    static let formulaProblem = "must not start with =, +, -, @, a tab or a carriage return (a spreadsheet runs it as a formula); start it with ' to mean the text"

    /// A cell read as text, guarded against formula injection: a cell starting with one of ``formulaStarts`` is refused
    /// (`nil` value and `isFormula`), so the value never reaches an export someone opens in a spreadsheet; a leading
    /// apostrophe before such a character is the spreadsheet way to mean the text, and is dropped (`'@brand` → `@brand`).
    static func text(_ cell: String?) -> (value: String?, isFormula: Bool) {
        guard let cell, let first = cell.unicodeScalars.first else { return (cell, false) }
        if Self.formulaStarts.contains(first) { return (nil, true) }
        let rest = cell.unicodeScalars.dropFirst()
        if first == "'", let second = rest.first, Self.formulaStarts.contains(second) { return (String(String.UnicodeScalarView(rest)), false) }
        return (cell, false)
    }
}
