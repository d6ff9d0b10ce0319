public import Foundation

/// A Swift value that can be read from a result column.
public protocol PostgresDecodable: Sendable {
    /// Reads the value from one cell, checking the column's type.
    /// - Throws: ``PostgresError`` with code `typeMismatch` (wrong column type) or `decoding` (NULL, malformed text).
    static func decode(_ cell: PostgresCell) throws(PostgresError) -> Self
}

/// One value of a result row, in PostgreSQL's text format, with its column's name and type.
public struct PostgresCell: Sendable {
    /// The column's name.
    public let columnName: String
    /// The column's type (`PQftype`).
    public let dataType: PostgresDataType
    let storage: ArraySlice<UInt8>?

    init(columnName: String, dataType: PostgresDataType, storage: ArraySlice<UInt8>?) {
        self.columnName = columnName
        self.dataType = dataType
        self.storage = storage
    }

    /// The raw text-format bytes, or `nil` for SQL `NULL`.
    public var bytes: [UInt8]? { self.storage.map(Array.init) }
    /// The value as text, or `nil` for SQL `NULL`.
    public var text: String? { self.storage.map { String(decoding: $0, as: UTF8.self) } }
    /// Whether the value is SQL `NULL`.
    public var isNull: Bool { self.storage == nil }

    /// The bytes, after checking that the column has one of `types` and is not NULL.
    /// - Throws: ``PostgresError`` `typeMismatch` or `decoding`, naming the column and `swiftType`.
    public func requireValue(of types: Set<PostgresDataType>, as swiftType: String) throws(PostgresError) -> ArraySlice<UInt8> {
        guard types.contains(self.dataType) else {
            var error = PostgresError(.typeMismatch, column: self.columnName)
            error.message = "column \"\(self.columnName)\" has type \(self.dataType), which cannot be decoded as \(swiftType)"
            throw error
        }
        guard let storage = self.storage else {
            var error = PostgresError(.decoding, column: self.columnName)
            error.message = "column \"\(self.columnName)\" is NULL; decode \(swiftType)? (an Optional) to accept NULL"
            throw error
        }
        return storage
    }

    /// A `decoding` error saying the value is not valid text for `swiftType`.
    public func malformed(_ swiftType: String) -> PostgresError {
        var error = PostgresError(.decoding, column: self.columnName)
        error.message = "column \"\(self.columnName)\" (\(self.dataType)) holds a value that is not a valid \(swiftType)"
        return error
    }

    func string(of types: Set<PostgresDataType>, as swiftType: String) throws(PostgresError) -> String {
        String(decoding: try self.requireValue(of: types, as: swiftType), as: UTF8.self)
    }
}

extension String: PostgresDecodable {
    /// Reads `text`, `varchar`, `char(n)`, `name`, `json` and `jsonb` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> String {
        try cell.string(of: PostgresDataType.textLike.union([.json, .jsonb]), as: "String")
    }
}

extension Int: PostgresDecodable {
    /// Reads `int2`, `int4`, `int8` and `oid` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Int {
        guard let value = Int(try cell.string(of: [.int2, .int4, .int8, .oidType], as: "Int")) else { throw cell.malformed("Int") }
        return value
    }
}

extension Int64: PostgresDecodable {
    /// Reads `int2`, `int4` and `int8` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Int64 {
        guard let value = Int64(try cell.string(of: [.int2, .int4, .int8], as: "Int64")) else { throw cell.malformed("Int64") }
        return value
    }
}

extension Int32: PostgresDecodable {
    /// Reads `int2` and `int4` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Int32 {
        guard let value = Int32(try cell.string(of: [.int2, .int4], as: "Int32")) else { throw cell.malformed("Int32") }
        return value
    }
}

extension Bool: PostgresDecodable {
    /// Reads `bool` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Bool {
        switch try cell.string(of: [.bool], as: "Bool") {
        case "t": true
        case "f": false
        default: throw cell.malformed("Bool")
        }
    }
}

extension Double: PostgresDecodable {
    /// Reads `float4` and `float8` values, including `Infinity`, `-Infinity` and `NaN`.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Double {
        let text = try cell.string(of: [.float4, .float8], as: "Double")
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default:
            guard let value = Double(text) else { throw cell.malformed("Double") }
            return value
        }
    }
}

extension UUID: PostgresDecodable {
    /// Reads `uuid` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> UUID {
        guard let value = UUID(uuidString: try cell.string(of: [.uuid], as: "UUID")) else { throw cell.malformed("UUID") }
        return value
    }
}

extension Date: PostgresDecodable {
    /// Reads `timestamptz` values (and `timestamp` values, taken as UTC), with microsecond precision.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Date {
        guard let value = PostgresTextFormat.parseTimestamp(try cell.string(of: [.timestamptz, .timestamp], as: "Date")) else {
            throw cell.malformed("Date")
        }
        return value
    }
}

extension Data: PostgresDecodable {
    /// Reads `bytea` values.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Data { Data(try UInt8.decodePostgresArray(cell)) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    /// `bytea` as `[UInt8]`, `text[]` as `[String]` or `[String?]`.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> [Element] { try Element.decodePostgresArray(cell) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// `nil` for SQL `NULL` (of any column type), else the wrapped type's decoding.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> Wrapped? {
        if cell.isNull { return nil }
        return try Wrapped.decode(cell)
    }
}
