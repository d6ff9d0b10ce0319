import Foundation

/// One SQL statement and its parameters, built by string interpolation so that values can never become SQL:
///
/// ```swift
/// let query: PostgresQuery = "INSERT INTO posts (id, title, tags) VALUES (\(id), \(title), \(tags))"
/// // sql: INSERT INTO posts (id, title, tags) VALUES ($1, $2, $3) — the values travel separately
/// ```
///
/// Every interpolated value becomes the next `$n` placeholder. The only text spliced into the SQL is an identifier
/// through `\(identifier: name)`, which is always double-quoted. There is deliberately no public way to build a query
/// from a run-time string.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// One parameter: its declared type and its text form (`nil` for NULL).
    public struct Bind: Sendable, Hashable {
        /// The declared type, or unspecified.
        public var dataType: PostgresDataType
        /// The text form, or `nil` for SQL `NULL`.
        public var text: String?
    }

    /// The statement with `$1`, `$2`, … placeholders.
    public private(set) var sql: String
    /// The parameters, in placeholder order.
    public private(set) var binds: [Bind]
    /// Set when an interpolation could not be encoded; the query then fails before it is sent.
    var encodingError: PostgresError?

    /// A query with SQL text and no parameters (module-internal: for statements built from quoted identifiers).
    init(unsafeSQL sql: String) {
        self.sql = sql
        self.binds = []
    }

    /// A literal without interpolations.
    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    /// A query built by interpolation.
    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
        self.encodingError = stringInterpolation.encodingError
    }

    /// The SQL only; parameter values are left out because they may be secret or personal.
    public var description: String { "PostgresQuery(\(self.sql), \(self.binds.count) binds)" }

    /// Builds ``PostgresQuery`` values: literal text is SQL, interpolations are binds.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var binds: [Bind] = []
        var encodingError: PostgresError?

        /// Reserves room for the literal text.
        public init(literalCapacity: Int, interpolationCount: Int) {
            self.sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            self.binds.reserveCapacity(interpolationCount)
        }

        /// SQL text written in the literal.
        public mutating func appendLiteral(_ literal: String) { self.sql += literal }

        /// A value: becomes the next `$n` placeholder. Optional `nil` is sent as NULL.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            self.appendInterpolation(some: value)
        }

        /// An optional value: `nil` is sent as SQL `NULL` (typed like the wrapped type where the type is fixed).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            self.appendInterpolation(some: value)
        }

        private mutating func appendInterpolation(some value: some PostgresEncodable) {
            do {
                self.binds.append(Bind(dataType: value.postgresType, text: try value.postgresText()))
            } catch {
                self.fail(error)
                self.binds.append(Bind(dataType: .unspecified, text: nil))
            }
            self.sql += "$\(self.binds.count)"
        }

        /// Any `Encodable` value, JSON-encoded and sent as a `jsonb` parameter.
        public mutating func appendInterpolation(json value: some Encodable) {
            do {
                self.appendInterpolation(try PostgresJSON(encoding: value))
            } catch {
                self.fail(error)
                self.appendInterpolation(PostgresJSON?.none)
            }
        }

        /// An identifier (table, column, schema name) spliced into the SQL as a double-quoted identifier, with embedded
        /// quotes doubled (the rules of `PQescapeIdentifier`). The one unsafe escape hatch: never pass values here.
        public mutating func appendInterpolation(identifier name: String) {
            do {
                self.sql += try PostgresQuery.quoteIdentifier(name)
            } catch {
                self.fail(error)
            }
        }

        private mutating func fail(_ error: PostgresError) {
            if self.encodingError == nil { self.encodingError = error }
        }
    }

    /// `"name"` with `"` doubled.
    /// - Throws: ``PostgresError`` `encoding` for an empty name or one holding a NUL.
    static func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PostgresError(.encoding, message: "an identifier must be non-empty and hold no NUL byte")
        }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Throws the first encoding problem, or a NUL inside a parameter (text parameters are C strings, and PostgreSQL
    /// text cannot hold NUL anyway).
    func validate() throws(PostgresError) {
        if let error = self.encodingError { throw error }
        for (position, bind) in self.binds.enumerated() where bind.text?.utf8.contains(0) == true {
            throw PostgresError(.encoding, message: "parameter $\(position + 1) contains a NUL byte, which PostgreSQL text cannot hold")
        }
        if self.sql.utf8.contains(0) { throw PostgresError(.encoding, message: "the SQL text contains a NUL byte") }
    }
}
