public import Postgres

/// One bad input field and what is wrong with it, e.g. `FieldProblem(field: "daily_cap", problem: "must be 0...1000")`.
/// Validation collects every problem of a request, so an error can list them all.
public struct FieldProblem: Sendable, Hashable, Codable {
    /// The field's name as the caller spells it (`labels`, `rows[3].timezone`, `cursor`).
    public var field: String
    /// What is wrong, in words fit for the caller (never a secret or a stored value).
    public var problem: String

    /// A problem with `field`.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
}

/// Why a Domain operation failed: a stable ``Code``, a message written by Domain (no data from the database, no
/// secrets) and, for bad input, every bad field in ``details``. The API maps codes to HTTP statuses.
public struct DomainError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable error code; switch on it (or on ``rawValue``), never on message text.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `not_found`.
        public let rawValue: String
        /// A code with this name.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The record does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The change collides with an existing record (a unique key, a concurrent change).
        public static let conflict = Code(rawValue: "conflict")
        /// The input is invalid; ``DomainError/details`` lists every bad field.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// The record cannot be deleted or changed while other records use it.
        public static let inUse = Code(rawValue: "in_use")
        /// The record's current state does not allow the operation (retrying a completed post, say).
        public static let invalidState = Code(rawValue: "invalid_state")
        /// PostgreSQL failed or is unreachable: not the caller's fault.
        public static let database = Code(rawValue: "database")
        /// A scheduler's fencing token is older than the one a newer leader wrote: it no longer leads and must not write.
        public static let staleLeader = Code(rawValue: "stale_leader")

        /// ``rawValue``.
        public var description: String { self.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// One sentence for the caller, written by Domain.
    public var message: String
    /// Every bad field, for ``Code/invalidInput`` (may be empty otherwise).
    public var details: [FieldProblem]
    /// The PostgreSQL error behind a ``Code/database`` (or mapped) error; only in ``debugDescription``.
    public var underlying: PostgresError?

    /// An error with its code, message and field problems.
    public init(_ code: Code, _ message: String, details: [FieldProblem] = [], underlying: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.underlying = underlying
    }

    /// The same as ``init(_:_:details:underlying:)``, with the message labelled.
    public init(_ code: Code, message: String, details: [FieldProblem] = [], underlying: PostgresError? = nil) {
        self.init(code, message, details: details, underlying: underlying)
    }

    /// `invalidInput` listing `problems` (the message counts them).
    public static func invalidInput(_ problems: [FieldProblem], message: String? = nil) -> DomainError {
        let text = message ?? (problems.count == 1 ? "1 field is invalid" : "\(problems.count) fields are invalid")
        return DomainError(.invalidInput, text, details: problems)
    }

    /// `notFound` for a record kind and id: `account 1F2E… not found`.
    public static func notFound(_ kind: String, id: some CustomStringConvertible) -> DomainError {
        DomainError(.notFound, "\(kind) \(id) not found")
    }

    /// Maps a PostgreSQL error: unique violation → `conflict`; foreign-key violation → `inUse` when a referenced row
    /// was being deleted or changed, `invalidInput` when the row named a missing record; check violation →
    /// `invalidInput`; anything else → `database`. The server's text is kept only in ``underlying``.
    public static func wrap(_ error: PostgresError) -> DomainError {
        if error.isUniqueViolation {
            return DomainError(.conflict, "a record with the same unique value exists", underlying: error)
        }
        if error.isForeignKeyViolation {
            // "update or delete on table … violates foreign key constraint …": a row that others reference.
            if error.message?.hasPrefix("update or delete") == true || error.detail?.contains("still referenced") == true {
                return DomainError(.inUse, "the record is still used by other records", underlying: error)
            }
            return DomainError(.invalidInput, "a referenced record does not exist", underlying: error)
        }
        if error.isCheckViolation || error.sqlState == "22P02" || error.sqlState == "22001" || error.sqlState == "22007" {
            return DomainError(.invalidInput, "a value is out of range", underlying: error)
        }
        if error.isSerializationFailure || error.sqlState == "40P01" {
            return DomainError(.conflict, "a concurrent change interfered; try again", underlying: error)
        }
        return DomainError(.database, "the database failed", underlying: error)
    }

    /// `error` itself when it is a ``DomainError``, ``wrap(_:)`` of a ``PostgresError``, else `database`.
    public static func wrap(_ error: any Error) -> DomainError {
        switch error {
        case let error as DomainError: error
        case let error as PostgresError: Self.wrap(error)
        default: DomainError(.database, "the database operation failed")
        }
    }

    /// One line: the code and the message. Never the underlying server text.
    public var description: String { "DomainError(\(self.code)): \(self.message)" }

    /// The description, the field problems and the underlying PostgreSQL error, for debug logs.
    public var debugDescription: String {
        var text = self.description
        if !self.details.isEmpty { text += " " + self.details.map { "\($0.field): \($0.problem)" }.joined(separator: "; ") }
        if let underlying = self.underlying { text += " [\(underlying.debugDescription)]" }
        return text
    }
}

extension PostgresClient {
    /// `withTransaction`, with every error mapped to ``DomainError`` (``DomainError/wrap(_:)-(any Error)``).
    /// - Throws: ``DomainError``.
    func domainTransaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws(DomainError) -> Result {
        do {
            return try await self.withTransaction(body)
        } catch {
            throw DomainError.wrap(error)
        }
    }

    /// `query`, with errors mapped to ``DomainError``.
    /// - Throws: ``DomainError``.
    func domainQuery(_ query: PostgresQuery) async throws(DomainError) -> [PostgresRow] {
        do {
            return try await self.query(query)
        } catch {
            throw DomainError.wrap(error)
        }
    }
}
