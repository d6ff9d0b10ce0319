import Domain
import Foundation

/// One row of an account import as it arrived (JSON or CSV), tokens still in clear, with the problems found while
/// reading it (a date or number that does not read, a CSV cell that looks like a spreadsheet formula). Domain's
/// checks come on top (``AccountImportRow/problems(now:)``).
struct IncomingAccount: Sendable {
    /// 1-based row number (CSV data lines and JSON rows alike).
    var number: Int
    var openID: String?
    var accessToken: String?
    var accessTokenExpiresAt: Date?
    var refreshToken: String?
    var refreshTokenExpiresAt: Date?
    var scopes: [String] = []
    var nickname: String?
    var username: String?
    var labels: [String] = []
    var timezone: String?
    var dailyCap: Int?
    /// Problems found while reading the row; never quoting a value.
    var problems: [FieldProblem] = []

    /// The columns of an account import CSV (`scopes` and `labels` separated by `|`).
    static let columns: Set<String> = [
        "open_id", "access_token", "access_token_expires_at", "refresh_token", "refresh_token_expires_at", "scopes", "nickname", "username",
        "labels", "timezone", "daily_cap",
    ]

    /// A JSON row (the generated decoder has checked types and required fields).
    init(number: Int, _ row: Components.Schemas.AccountImportRow) {
        self.number = number
        self.openID = row.openId
        self.accessToken = row.accessToken
        self.accessTokenExpiresAt = row.accessTokenExpiresAt
        self.refreshToken = row.refreshToken
        self.refreshTokenExpiresAt = row.refreshTokenExpiresAt
        self.scopes = row.scopes ?? []
        self.nickname = row.nickname
        self.username = row.username
        self.labels = row.labels ?? []
        self.timezone = row.timezone
        self.dailyCap = row.dailyCap
        self.checkTokens()
    }

    /// TikTok's tokens are printable ASCII: anything else could never be sent in an `Authorization` header, so such a
    /// row is refused now rather than failing at the account's first use.
    private mutating func checkTokens() {
        for (column, token) in [("access_token", self.accessToken), ("refresh_token", self.refreshToken)] {
            guard let token, !token.isEmpty else { continue }
            if token.utf8.count > 4096 || !token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                self.problems.append(FieldProblem(field: column, problem: "must be 1 to 4096 printable ASCII characters, without spaces"))
            }
        }
    }

    /// A CSV line. Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return) are refused, so the values never reach an export that someone opens in a spreadsheet; a leading
    /// apostrophe means the text (see ``CSVRows/text(_:)``). Tokens are not text cells: they are sealed, never exported.
    init(_ row: CSVRows.Row) {
        self.number = row.number
        let raw = { (column: String) in row[column]?.trimmingCharacters(in: .whitespaces) }
        var formulas: [String] = []
        // The formula check reads the cell as written (before trimming): a tab in front is as much a formula marker.
        let text = { (field: String, cell: String?, trim: Bool) -> String? in
            let (value, isFormula) = CSVRows.text(cell)
            if isFormula { formulas.append(field) }
            // A refused cell keeps its raw text: the row is rejected anyway, and "is required" would only add noise.
            let kept = value ?? cell
            return trim ? kept?.trimmingCharacters(in: .whitespaces) : kept
        }
        let items = { (column: String) in
            (row[column] ?? "").split(separator: "|").enumerated()
                .compactMap { text("\(column)[\($0.offset)]", String($0.element), true) }.filter { !$0.isEmpty }
        }
        self.openID = text("open_id", row["open_id"], true)
        self.accessToken = raw("access_token")
        self.refreshToken = raw("refresh_token")
        self.nickname = text("nickname", row["nickname"], false)
        self.username = text("username", row["username"], true)
        self.timezone = text("timezone", row["timezone"], true)
        self.scopes = items("scopes")
        self.labels = items("labels")
        for column in ["open_id", "access_token", "access_token_expires_at", "refresh_token", "refresh_token_expires_at"]
        where raw(column) == nil {
            self.problems.append(FieldProblem(field: column, problem: "is required"))
        }
        self.checkTokens()
        self.accessTokenExpiresAt = self.date(raw("access_token_expires_at"), field: "access_token_expires_at")
        self.refreshTokenExpiresAt = self.date(raw("refresh_token_expires_at"), field: "refresh_token_expires_at")
        if let cap = raw("daily_cap") {
            if let value = Int(cap) { self.dailyCap = value } else { self.problems.append(FieldProblem(field: "daily_cap", problem: "must be a whole number")) }
        }
        self.problems += formulas.map { FieldProblem(field: $0, problem: CSVRows.formulaProblem) }
    }

    /// An RFC 3339 date-time cell; a problem when it does not read.
    mutating func date(_ cell: String?, field: String) -> Date? {
        guard let cell else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: cell) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: cell) { return date }
        self.problems.append(FieldProblem(field: field, problem: "must be a date-time such as 2026-12-01T09:00:00Z"))
        return nil
    }
}
