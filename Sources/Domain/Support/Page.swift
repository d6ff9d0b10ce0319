public import Foundation

/// One page of a list, newest first, and the cursor of the next page (`nil` on the last page).
public struct Page<Item: Sendable>: Sendable {
    /// The page's items.
    public var items: [Item]
    /// Opaque: pass it back as ``PageRequest/cursor`` to get the next page; `nil` when there is none.
    public var nextCursor: String?

    /// A page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds a page from rows fetched with `LIMIT request.limit + 1`: the extra row, when present, only says that a
    /// next page exists, and the cursor points after the last item kept.
    public init(fetched: [Item], request: PageRequest, cursor: (Item) -> PageCursor) {
        if fetched.count > request.limit {
            let kept = Array(fetched.prefix(request.limit))
            self.init(items: kept, nextCursor: kept.last.map { cursor($0).encoded })
        } else {
            self.init(items: fetched, nextCursor: nil)
        }
    }
}

/// Which page to read: after ``cursor`` (from ``Page/nextCursor``), at most ``limit`` items.
public struct PageRequest: Sendable, Hashable {
    /// The default page size.
    public static let defaultLimit = 50
    /// The allowed page sizes.
    public static let limits = 1...200

    /// `nil` for the first page.
    public var cursor: String?
    /// Items per page, 1...200.
    public var limit: Int

    /// A request; values are checked by ``validate()``.
    public init(cursor: String? = nil, limit: Int = PageRequest.defaultLimit) {
        self.cursor = cursor
        self.limit = limit
    }

    /// Every problem of this request (fields `cursor`, `limit`), empty when valid.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        if !Self.limits.contains(self.limit) {
            problems.append(FieldProblem(field: "limit", problem: "must be between 1 and 200"))
        }
        if let cursor = self.cursor, PageCursor(encoded: cursor) == nil {
            problems.append(FieldProblem(field: "cursor", problem: "is not a cursor returned by this list"))
        }
        return problems
    }

    /// The decoded cursor (`nil` for the first page).
    /// - Throws: ``DomainError`` `invalidInput` listing a bad `limit` and a bad `cursor`.
    public func validate() throws(DomainError) -> PageCursor? {
        let problems = self.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        return self.cursor.flatMap(PageCursor.init(encoded:))
    }
}

/// A position in a list ordered by `(created_at DESC, id DESC)`: the last item's creation time in microseconds and
/// its id. Encoded as base64url (no padding) of 8 bytes big-endian microseconds then the 16 UUID bytes.
public struct PageCursor: Sendable, Hashable {
    /// `created_at` in microseconds since 1970 (PostgreSQL's precision, so comparisons are exact).
    public var micros: Int64
    /// The item's id, breaking ties between equal times.
    public var id: UUID

    /// The cursor after an item created at `createdAt` with `id`.
    public init(createdAt: Date, id: UUID) {
        self.micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        self.id = id
    }

    /// Decodes ``encoded``; `nil` for anything else.
    public init?(encoded: String) {
        var text = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard encoded.count == 32, encoded.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), data.count == 24 else { return nil }
        let bytes = [UInt8](data)
        self.micros = bytes[0..<8].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
        let u = Array(bytes[8..<24])
        self.id = UUID(uuid: (u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]))
    }

    /// The opaque text form.
    public var encoded: String {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: self.micros >> (56 - 8 * $0)) }
        withUnsafeBytes(of: self.id.uuid) { bytes.append(contentsOf: $0) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `created_at` as a date (for display; queries use ``micros`` through ``PageCursor`` SQL helpers).
    public var createdAt: Date { Date(timeIntervalSince1970: Double(self.micros) / 1_000_000) }
}
