/// The rows of one result, stored as one byte buffer shared by all its rows.
final class PostgresResultStorage: Sendable {
    let columnNames: [String]
    let columnTypes: [PostgresDataType]
    let columnIndex: [String: Int]
    /// Every non-NULL value's text, back to back.
    let bytes: [UInt8]
    /// For cell `row * columns + column`: its start in ``bytes`` and its length, or -1 for NULL.
    let offsets: [Int]
    let lengths: [Int32]

    init(columnNames: [String], columnTypes: [PostgresDataType], bytes: [UInt8], offsets: [Int], lengths: [Int32]) {
        self.columnNames = columnNames
        self.columnTypes = columnTypes
        var index: [String: Int] = [:]
        for (position, name) in columnNames.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
        self.bytes = bytes
        self.offsets = offsets
        self.lengths = lengths
    }
}

/// One row of a query result. Read values by column name or by position:
///
/// ```swift
/// let rows = try await client.query("SELECT id, name, tags FROM creators WHERE id = \(id)")
/// let name = try rows[0].decode("name", as: String.self)
/// let tags = try rows[0].decode(2, as: [String?].self)
/// ```
public struct PostgresRow: Sendable {
    let storage: PostgresResultStorage
    let row: Int

    /// The column names, in result order.
    public var columnNames: [String] { self.storage.columnNames }

    /// The number of columns.
    public var count: Int { self.storage.columnNames.count }

    /// The cell at column position `index` (0-based).
    /// - Throws: ``PostgresError`` `decoding` when there is no such column.
    public func cell(at index: Int) throws(PostgresError) -> PostgresCell {
        guard self.storage.columnNames.indices.contains(index) else {
            throw PostgresError(.decoding, message: "no column at index \(index); the row has \(self.count) columns", column: "#\(index)")
        }
        let position = self.row * self.count + index
        let length = Int(self.storage.lengths[position])
        let start = self.storage.offsets[position]
        return PostgresCell(
            columnName: self.storage.columnNames[index], dataType: self.storage.columnTypes[index],
            storage: length < 0 ? nil : self.storage.bytes[start..<start + length])
    }

    /// The cell of the first column named `column`.
    /// - Throws: ``PostgresError`` `decoding` when there is no such column.
    public func cell(named column: String) throws(PostgresError) -> PostgresCell {
        guard let index = self.storage.columnIndex[column] else {
            throw PostgresError(.decoding, message: "no column named \"\(column)\" (columns: \(self.columnNames.joined(separator: ", ")))", column: column)
        }
        return try self.cell(at: index)
    }

    /// Decodes the value of the column named `column`. Use an Optional type to accept NULL.
    /// - Throws: ``PostgresError`` `typeMismatch` or `decoding`, naming the column and the expected type.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        try T.decode(try self.cell(named: column))
    }

    /// Decodes the value at column position `index` (0-based). Use an Optional type to accept NULL.
    /// - Throws: ``PostgresError`` `typeMismatch` or `decoding`, naming the column and the expected type.
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        try T.decode(try self.cell(at: index))
    }

    /// Decodes a `json` or `jsonb` column as a `Decodable` type.
    /// - Throws: ``PostgresError`` `typeMismatch` or `decoding`.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        do {
            return try PostgresJSON.decode(try self.cell(named: column)).decode(as: T.self)
        } catch {
            var error = error
            error.column = column
            throw error
        }
    }

    /// Whether the column named `column` is NULL.
    /// - Throws: ``PostgresError`` `decoding` when there is no such column.
    public func isNull(_ column: String) throws(PostgresError) -> Bool { try self.cell(named: column).isNull }
}
