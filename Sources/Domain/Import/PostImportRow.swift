public import Foundation

/// One row of a post import (CSV or JSON, parsed by the API): values as the file gave them, so each can be reported.
public struct PostImportRow: Sendable, Hashable {
    /// The row's key, 1...255 characters (required): importing the same key again creates nothing.
    public var idempotencyKey: String?
    /// The media's id (required, a UUID).
    public var mediaID: String?
    /// The account's id (required, a UUID; the account must not be disabled).
    public var accountID: String?
    /// The caption, at most 2,200 characters.
    public var caption: String?
    /// When to post (required): `2026-12-01T09:00[:00]` in ``timezone``, or ISO 8601 with `Z` or an offset.
    public var at: String?
    /// IANA time zone of ``at``; default the account's.
    public var timezone: String?
    /// TikTok `post_info` settings.
    public var postSettings: [String: JSONValue]
    /// `direct_post` (default) or `inbox`.
    public var mode: String?
    /// What the reader of the file already found wrong (a CSV cell that is a spreadsheet formula): reported with the
    /// row's other problems, and the row is rejected.
    public var readingProblems: [FieldProblem]

    /// A row.
    public init(
        idempotencyKey: String?, mediaID: String?, accountID: String?, caption: String? = nil, at: String?, timezone: String? = nil,
        postSettings: [String: JSONValue] = [:], mode: String? = nil, readingProblems: [FieldProblem] = []
    ) {
        self.idempotencyKey = idempotencyKey
        self.mediaID = mediaID
        self.accountID = accountID
        self.caption = caption
        self.at = at
        self.timezone = timezone
        self.postSettings = postSettings
        self.mode = mode
        self.readingProblems = readingProblems
    }
}

/// What a post import did (or, in a dry run, would do), row by row.
public struct PostImportReport: Sendable, Hashable {
    /// One row's outcome.
    public enum Outcome: String, Sendable, Hashable {
        /// A post was created.
        case created
        /// A post with this idempotency key exists already; nothing was created.
        case existing
        /// Dry run: the row is valid and would create a post.
        case wouldCreate = "would_create"
        /// The row is invalid (see its problems); nothing was created for it.
        case rejected
        /// The row is valid, but nothing was imported because other rows are rejected (and the import is not partial).
        case skipped
    }

    /// One row's outcome.
    public struct Row: Sendable, Hashable {
        /// Position in the input, from 0.
        public var index: Int
        /// The row's key, as given.
        public var idempotencyKey: String?
        /// What happened.
        public var outcome: Outcome
        /// The post, for created and existing rows.
        public var postID: UUID?
        /// When the post runs, for valid rows.
        public var runAt: Date?
        /// Every bad field, for rejected rows.
        public var problems: [FieldProblem]
    }

    /// Whether this was a dry run (nothing written).
    public var dryRun: Bool
    /// Every row, in input order.
    public var rows: [Row]

    /// Rows with the given outcome.
    public func count(_ outcome: Outcome) -> Int { self.rows.count { $0.outcome == outcome } }

    /// The posts created by this import (for the caller to enqueue).
    public var createdPostIDs: [UUID] { self.rows.compactMap { $0.outcome == .created ? $0.postID : nil } }
}

/// Reads an import row's (or a new post's) `at` in a time zone.
public enum ImportTime {
    /// `text` as an instant: ISO 8601 with `Z` or an offset, else a local `YYYY-MM-DDTHH:MM[:SS]` (or with a space)
    /// in `zone`. `nil` when it does not parse, names an impossible date, or a local time that does not exist there.
    public static func parse(_ text: String, in zone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: trimmed) { return date }
        let bytes = Array(trimmed.utf8)
        guard bytes.count == 16 || bytes.count == 19, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32, bytes[13] == 58,
            bytes.count == 16 || bytes[16] == 58
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ (48...57).contains($0) }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = bytes.count == 19 ? number(17..<19) : 0
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == year, back.month == month, back.day == day, back.hour == hour, back.minute == minute, back.second == second else {
            return nil
        }
        return date
    }
}
