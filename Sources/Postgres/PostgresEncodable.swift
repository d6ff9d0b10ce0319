public import Foundation

/// A Swift value that can be sent as a query parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The type declared for the parameter; ``PostgresDataType/unspecified`` lets the server infer it.
    var postgresType: PostgresDataType { get }
    /// The value's text form, or `nil` for SQL `NULL`.
    func postgresText() throws(PostgresError) -> String?
}

/// Element types of the arrays the module knows how to send and read: `[UInt8]` is `bytea`, `[String]` and `[String?]`
/// are `text[]`. (A type can conform to a protocol only once, so `Array` dispatches on its element.)
public protocol PostgresArrayElement: Sendable {
    /// The parameter type of an array of this element.
    static var postgresArrayType: PostgresDataType { get }
    /// The text form of an array of this element.
    static func postgresArrayText(_ elements: [Self]) -> String
    /// Reads an array of this element from a result value.
    static func decodePostgresArray(_ cell: PostgresCell) throws(PostgresError) -> [Self]
}

extension String: PostgresEncodable {
    /// Unspecified, so that a string parameter can stand for any type's text form (`uuid`, an enum, `date`…).
    public var postgresType: PostgresDataType { .unspecified }
    /// The string itself.
    public func postgresText() -> String? { self }
}

extension Int: PostgresEncodable {
    /// `int8`
    public var postgresType: PostgresDataType { .int8 }
    /// Decimal digits.
    public func postgresText() -> String? { String(self) }
}

extension Int64: PostgresEncodable {
    /// `int8`
    public var postgresType: PostgresDataType { .int8 }
    /// Decimal digits.
    public func postgresText() -> String? { String(self) }
}

extension Int32: PostgresEncodable {
    /// `int4`
    public var postgresType: PostgresDataType { .int4 }
    /// Decimal digits.
    public func postgresText() -> String? { String(self) }
}

extension Bool: PostgresEncodable {
    /// `bool`
    public var postgresType: PostgresDataType { .bool }
    /// `t` or `f`.
    public func postgresText() -> String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    /// `float8`
    public var postgresType: PostgresDataType { .float8 }
    /// The shortest text that reads back as the same value; `Infinity`, `-Infinity`, `NaN` for the special values.
    public func postgresText() -> String? {
        if self.isNaN { return "NaN" }
        if self.isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return self.description
    }
}

extension UUID: PostgresEncodable {
    /// `uuid`
    public var postgresType: PostgresDataType { .uuid }
    /// Lowercase canonical form.
    public func postgresText() -> String? { self.uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    /// `timestamptz`
    public var postgresType: PostgresDataType { .timestamptz }
    /// ISO 8601 in UTC with microseconds, e.g. `2024-05-06 07:08:09.123456+00`.
    public func postgresText() -> String? { PostgresTextFormat.formatTimestamp(self) }
}

extension Data: PostgresEncodable {
    /// `bytea`
    public var postgresType: PostgresDataType { .bytea }
    /// `\x` and hex digits.
    public func postgresText() -> String? { PostgresTextFormat.formatBytea(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped type's, or unspecified for `nil`.
    public var postgresType: PostgresDataType { self?.postgresType ?? .unspecified }
    /// The wrapped value's text, or `nil` (SQL `NULL`).
    public func postgresText() throws(PostgresError) -> String? {
        guard let value = self else { return nil }
        return try value.postgresText()
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// `bytea` for bytes, `text[]` for strings.
    public var postgresType: PostgresDataType { Element.postgresArrayType }
    /// `\x…` for bytes, `{"…",NULL}` for strings.
    public func postgresText() -> String? { Element.postgresArrayText(self) }
}

extension UInt8: PostgresArrayElement {
    /// `bytea`
    public static var postgresArrayType: PostgresDataType { .bytea }
    /// `\x` and hex digits.
    public static func postgresArrayText(_ elements: [UInt8]) -> String { PostgresTextFormat.formatBytea(elements) }
    /// Reads a `bytea` value.
    public static func decodePostgresArray(_ cell: PostgresCell) throws(PostgresError) -> [UInt8] {
        let bytes = try cell.requireValue(of: [.bytea], as: "[UInt8]")
        guard let decoded = PostgresTextFormat.parseBytea(bytes) else { throw cell.malformed("[UInt8]") }
        return decoded
    }
}

extension String: PostgresArrayElement {
    /// `text[]`
    public static var postgresArrayType: PostgresDataType { .textArray }
    /// An array literal with every element quoted.
    public static func postgresArrayText(_ elements: [String]) -> String { PostgresTextFormat.formatArray(elements) }
    /// Reads a `text[]` or `varchar[]` value with no NULL elements.
    public static func decodePostgresArray(_ cell: PostgresCell) throws(PostgresError) -> [String] {
        let elements = try Optional<String>.decodePostgresArray(cell)
        var strings: [String] = []
        for element in elements {
            guard let element else { throw cell.malformed("[String] (an element is NULL; decode [String?])") }
            strings.append(element)
        }
        return strings
    }
}

extension Optional: PostgresArrayElement where Wrapped == String {
    /// `text[]`
    public static var postgresArrayType: PostgresDataType { .textArray }
    /// An array literal with every element quoted and `nil` as NULL.
    public static func postgresArrayText(_ elements: [String?]) -> String { PostgresTextFormat.formatArray(elements) }
    /// Reads a `text[]` or `varchar[]` value; NULL elements become `nil`.
    public static func decodePostgresArray(_ cell: PostgresCell) throws(PostgresError) -> [String?] {
        let bytes = try cell.requireValue(of: [.textArray, .varcharArray], as: "[String]")
        guard let elements = PostgresTextFormat.parseArray(bytes) else { throw cell.malformed("[String]") }
        return elements
    }
}
