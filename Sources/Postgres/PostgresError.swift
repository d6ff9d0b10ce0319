/// Everything that can go wrong in the `Postgres` module, as one error type with a stable ``Code``.
///
/// ``description`` is one generic line, the code and the SQLSTATE where known, that is safe to log anywhere and to
/// hand on (it flows into `JobQueueError` and API errors): never SQL text, parameters, server messages (which can
/// quote row values), column or table names, or where the database lives. The full picture, including the server's
/// message, detail, hint, constraint and the endpoint, is in ``debugDescription`` (for debug logs and developers)
/// and in the fields.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable error code; switch on it, never on message text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidURL, connect, authentication, databaseMissing, connectionLost, server, typeMismatch, decoding, encoding
            case transactionAborted, invalidMigration, poolExhausted, poolClosed, connectionMisuse
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection URL or keyword string could not be parsed.
        public static let invalidURL = Code(.invalidURL)
        /// The server could not be reached (refused, timed out, unknown host, server starting or stopping). Retryable.
        public static let connect = Code(.connect)
        /// The server rejected the credentials (wrong password, unknown role). Not retried.
        public static let authentication = Code(.authentication)
        /// The database named in the configuration does not exist. Not retried.
        public static let databaseMissing = Code(.databaseMissing)
        /// An established connection broke (server restarted, network cut); the connection is discarded.
        public static let connectionLost = Code(.connectionLost)
        /// The server answered a statement with an error; see ``PostgresError/sqlState``.
        public static let server = Code(.server)
        /// A column holds another type than the one asked for.
        public static let typeMismatch = Code(.typeMismatch)
        /// A column's value could not be decoded (unexpected NULL, malformed text, unknown column, bad JSON).
        public static let decoding = Code(.decoding)
        /// A parameter could not be sent (text with a NUL byte, invalid identifier, JSON that failed to encode).
        public static let encoding = Code(.encoding)
        /// `COMMIT` found the transaction already failed, so the server rolled it back.
        public static let transactionAborted = Code(.transactionAborted)
        /// The migration list is invalid (duplicate or non-increasing versions).
        public static let invalidMigration = Code(.invalidMigration)
        /// Every pooled connection stayed busy for the whole acquire timeout.
        public static let poolExhausted = Code(.poolExhausted)
        /// The client was shut down.
        public static let poolClosed = Code(.poolClosed)
        /// A connection was used after the closure that lent it returned (kept by an unstructured task, say).
        public static let connectionMisuse = Code(.connectionMisuse)

        /// The code's name, e.g. `connect`.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The five-character SQLSTATE the server sent, e.g. `"23505"` for a unique violation.
    public var sqlState: String?
    /// The primary message, from the server or libpq (never a password). May quote data: keep it out of user-facing text.
    public var message: String?
    /// The server's DETAIL field (for example the duplicated key).
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// The violated constraint, for integrity errors.
    public var constraint: String?
    /// The table the error is about, when the server says so.
    public var table: String?
    /// The column the error is about: the server's column field, or the result column that failed to decode.
    public var column: String?
    /// `host:port/database` for connection errors.
    public var endpoint: String?

    /// An error with the given code and optional details.
    public init(_ code: Code, message: String? = nil, sqlState: String? = nil, column: String? = nil, endpoint: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.column = column
        self.endpoint = endpoint
    }

    /// `23505`: a unique or primary-key constraint was violated.
    public var isUniqueViolation: Bool { self.sqlState == "23505" }
    /// `23503`: a foreign-key constraint was violated.
    public var isForeignKeyViolation: Bool { self.sqlState == "23503" }
    /// `23514`: a check constraint was violated.
    public var isCheckViolation: Bool { self.sqlState == "23514" }
    /// `40001`: a serializable transaction lost a race; retry the whole transaction.
    public var isSerializationFailure: Bool { self.sqlState == "40001" }

    /// One generic line, the code and the SQLSTATE (both stable codes, no data): `PostgresError(code: server,
    /// sqlState: 23505)`.
    public var description: String {
        guard let sqlState = self.sqlState else { return "PostgresError(code: \(self.code))" }
        return "PostgresError(code: \(self.code), sqlState: \(sqlState))"
    }

    /// Every field that is set, for logs at debug level and for developers.
    public var debugDescription: String {
        var parts = ["code: \(self.code)"]
        let fields: [(String, String?)] = [
            ("endpoint", self.endpoint), ("sqlState", self.sqlState), ("message", self.message), ("detail", self.detail),
            ("hint", self.hint), ("constraint", self.constraint), ("table", self.table), ("column", self.column),
        ]
        for case (let name, let value?) in fields { parts.append("\(name): \(value)") }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }
}
