import CLibPQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Every libpq call of the connection lives here. All of these block the calling thread and run on the client's
// `NIOThreadPool`, never on the cooperative pool; the connection is leased to one task at a time.

/// What one statement returned.
struct PostgresOutcome: Sendable {
    /// The rows, for statements that return rows.
    var storage: PostgresResultStorage?
    /// Rows affected (`PQcmdTuples`), 0 when the command does not report a count.
    var affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK`.
    var commandTag: String
}

extension PostgresConnection {
    /// Opens a connection with `PQconnectdbParams`; on failure the handle is freed and the error classified.
    static func openHandle(_ configuration: PostgresConfiguration) throws(PostgresError) -> OpaquePointer {
        let keywords = configuration.connectionKeywords
        let cKeywords = keywords.map { strdup($0.0) }
        let cValues = keywords.map { strdup($0.1) }
        defer { (cKeywords + cValues).forEach { free($0) } }
        let handle = (cKeywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keywordPointers in
            (cValues.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 0)
            }
        }
        guard let handle else { throw PostgresError(.connect, message: "libpq could not allocate a connection", endpoint: configuration.endpoint) }
        guard PQstatus(handle) == CONNECTION_OK else {
            defer { PQfinish(handle) }
            var message = String(cString: PQerrorMessage(handle)).trimmingWhitespace()
            if let password = configuration.parameters["password"], !password.isEmpty {
                message = message.replacingOccurrences(of: password, with: "***")
            }
            throw PostgresError(Self.classifyConnectFailure(message), message: message, endpoint: configuration.endpoint)
        }
        // Notices (and the FATAL a server sends to idle sessions when it stops) would otherwise go to stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return handle
    }

    /// libpq reports start-up failures as text only (no SQLSTATE), so the server's English messages are matched:
    /// 28P01/28000 (password, role, pg_hba) and 3D000 (missing database) are final; everything else may pass.
    private static func classifyConnectFailure(_ message: String) -> PostgresError.Code {
        let lowered = message.lowercased()
        if lowered.contains("database") && lowered.contains("does not exist") { return .databaseMissing }
        let authentication = [
            "password authentication failed", "authentication failed", "no password supplied", "role", "pg_hba.conf",
            "password is required",
        ]
        if authentication.contains(where: { lowered.contains($0) && !lowered.contains("starting up") }) { return .authentication }
        return .connect
    }

    /// Runs one statement with `PQexecParams`: text-format parameters (NUL-terminated), text-format results.
    func runQuery(_ query: PostgresQuery, handle: OpaquePointer) throws(PostgresError) -> PostgresOutcome {
        try query.validate()
        let values = query.binds.map { $0.text.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let types = query.binds.map { Oid($0.dataType.oid) }
        let result = values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
            types.withUnsafeBufferPointer { typePointers in
                PQexecParams(
                    handle, query.sql, Int32(query.binds.count), typePointers.baseAddress, valuePointers.baseAddress, nil, nil, 0)
            }
        }
        return try self.consume(result, handle: handle)
    }

    /// Runs several statements with `PQexec` and no parameters. Only for migration files, whose text is ours and never
    /// holds user input: `PQexecParams` accepts one statement only.
    func runScript(_ sql: String, handle: OpaquePointer) throws(PostgresError) {
        guard !sql.utf8.contains(0) else { throw PostgresError(.encoding, message: "the SQL text contains a NUL byte") }
        // PQexec returns the last statement's result (or the first error, which stops the script) and reads the rest.
        _ = try self.consume(PQexec(handle, sql), handle: handle)
    }

    /// Turns a `PGresult` into an outcome or an error, and frees it.
    private func consume(_ result: OpaquePointer?, handle: OpaquePointer) throws(PostgresError) -> PostgresOutcome {
        guard let result else { throw self.connectionError(handle) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK:
            return PostgresOutcome(storage: Self.readRows(result), affectedRows: Int(PQntuples(result)), commandTag: Self.tag(result))
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return PostgresOutcome(storage: nil, affectedRows: affected, commandTag: Self.tag(result))
        default:
            throw self.resultError(result, handle: handle)
        }
    }

    private static func tag(_ result: OpaquePointer) -> String { String(cString: PQcmdStatus(result)) }

    /// Copies every value of a tuples result into one buffer.
    private static func readRows(_ result: OpaquePointer) -> PostgresResultStorage {
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        let names = (0..<columns).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<columns).map { PostgresDataType(oid: UInt32(PQftype(result, Int32($0)))) }
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        offsets.reserveCapacity(rows * columns)
        lengths.reserveCapacity(rows * columns)
        for row in 0..<Int32(rows) {
            for column in 0..<Int32(columns) {
                offsets.append(bytes.count)
                if PQgetisnull(result, row, column) == 1 {
                    lengths.append(-1)
                    continue
                }
                let length = PQgetlength(result, row, column)
                lengths.append(length)
                PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                }
            }
        }
        return PostgresResultStorage(columnNames: names, columnTypes: types, bytes: bytes, offsets: offsets, lengths: lengths)
    }

    /// A server error result, with its fields; `connectionLost` if the connection died with it.
    private func resultError(_ result: OpaquePointer, handle: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let lost = PQstatus(handle) != CONNECTION_OK
        var error = PostgresError(lost ? .connectionLost : .server, sqlState: field("C"))
        error.message = field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingWhitespace()
        error.detail = field("D")
        error.hint = field("H")
        error.constraint = field("n")
        error.table = field("t")
        error.column = field("c")
        if lost { self.markBroken() }
        return error
    }

    /// The connection-level error (no result: the connection broke or libpq ran out of memory).
    func connectionError(_ handle: OpaquePointer) -> PostgresError {
        let lost = PQstatus(handle) != CONNECTION_OK
        self.markBroken()
        let message = String(cString: PQerrorMessage(handle)).trimmingWhitespace()
        return PostgresError(lost ? .connectionLost : .server, message: message.isEmpty ? "no result from the server" : message)
    }

    // MARK: - COPY

    /// Sends one chunk of COPY data, blocking until libpq took it.
    func putCopyData(_ chunk: [UInt8], handle: OpaquePointer) throws(PostgresError) {
        let status = chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw self.connectionError(handle) }
    }

    /// Ends COPY (or aborts it with `failure`) and returns the rows copied.
    func endCopy(failure: String?, handle: OpaquePointer) throws(PostgresError) -> Int {
        guard PQputCopyEnd(handle, failure) == 1 else { throw self.connectionError(handle) }
        var outcome: PostgresOutcome?
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            do {
                outcome = try self.consume(result, handle: handle)
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return outcome?.affectedRows ?? 0
    }

    // MARK: - State

    /// Whether the connection is usable and idle, checked without blocking: unread input on an idle connection is read
    /// (`PQconsumeInput` never blocks, libpq's socket is non-blocking), which turns a peer's close into `CONNECTION_BAD`.
    static func isIdleAndHealthy(_ handle: OpaquePointer) -> Bool {
        guard PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) == PQTRANS_IDLE else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0..<8 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready < 0 { return false }
            if ready == 0 { break }
            if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return false }
            guard PQconsumeInput(handle) == 1 else { return false }
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether a transaction block is open (idle in transaction, or failed).
    static func isInTransaction(_ handle: OpaquePointer) -> Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Frees the handle (`PQfinish` also tells the server goodbye).
    static func finish(_ handle: OpaquePointer) { PQfinish(handle) }
}
