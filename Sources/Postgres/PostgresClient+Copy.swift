extension PostgresClient {
    /// Bulk-inserts `rows` with `COPY … FROM STDIN` (text format), streaming them in chunks of about 256 KiB.
    ///
    /// Each row holds one value per column, in `columns` order; `nil` is NULL. Values are escaped for COPY's text
    /// format (backslash, tab, newline, carriage return; NULL as `\N`). Table and column names are quoted identifiers.
    /// The copy is one statement: if any row fails, no row is inserted.
    /// - Parameters:
    ///   - table: The table name (not schema-qualified; see `schema`).
    ///   - schema: The table's schema, or `nil` for the search path.
    ///   - columns: The columns to fill.
    ///   - rows: The rows.
    /// - Returns: The number of rows copied.
    /// - Throws: ``PostgresError`` (`encoding` for a row of the wrong width or a NUL byte, `server` for bad data).
    @discardableResult
    public func copy(
        into table: String, schema: String? = nil, columns: [String], rows: some Sequence<[PostgresCopyValue?]>
    ) async throws -> Int {
        let target = try (schema.map { try PostgresQuery.quoteIdentifier($0) + "." } ?? "") + PostgresQuery.quoteIdentifier(table)
        let columnList = try columns.map { name throws(PostgresError) in try PostgresQuery.quoteIdentifier(name) }.joined(separator: ", ")
        let statement = PostgresQuery(unsafeSQL: "COPY \(target) (\(columnList)) FROM STDIN")
        return try await self.withConnection { connection in
            try await connection.execute(statement)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(Self.copyChunkSize + 4096)
            do {
                for row in rows {
                    try Self.appendRow(row, width: columns.count, to: &buffer)
                    if buffer.count >= Self.copyChunkSize {
                        try await connection.sendCopyData(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                if !buffer.isEmpty { try await connection.sendCopyData(buffer) }
            } catch {
                // Abort the COPY so the connection is usable again, then report the first problem.
                _ = try? await connection.finishCopy(failure: "aborted by the client")
                throw error
            }
            return try await connection.finishCopy(failure: nil)
        }
    }

    private static var copyChunkSize: Int { 256 * 1024 }

    private static func appendRow(_ row: [PostgresCopyValue?], width: Int, to buffer: inout [UInt8]) throws(PostgresError) {
        guard row.count == width else {
            throw PostgresError(.encoding, message: "a COPY row has \(row.count) values for \(width) columns")
        }
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(0x09) }
            if let value {
                try value.appendEscaped(to: &buffer)
            } else {
                buffer.append(0x5C)
                buffer.append(0x4E)
            }
        }
        buffer.append(0x0A)
    }
}
