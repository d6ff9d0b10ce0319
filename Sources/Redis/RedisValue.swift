/// One reply from Redis: every RESP2 reply type.
///
/// hiredis 0.14 reports a nil bulk string (`$-1`) and a nil array (`*-1`) the same way, so both arrive as the one
/// ``null`` case. Bulk strings are bytes (binary-safe, NUL bytes allowed); use ``string`` to read them as UTF-8.
public enum RedisValue: Sendable, Hashable {
    /// A status reply such as `OK` or `QUEUED` (`+…`).
    case status(String)
    /// An error reply such as `WRONGTYPE …` (`-…`). ``RedisClient/send(_:)-(RedisCommand)`` throws it as
    /// ``RedisError/Code/server``; in a pipeline it stays in its slot as this value.
    case error(String)
    /// An integer reply (`:…`).
    case integer(Int64)
    /// A bulk string (`$…`), as bytes.
    case bulk([UInt8])
    /// An array reply (`*…`), possibly nested.
    case array([RedisValue])
    /// A nil bulk string or a nil array (hiredis 0.14 does not tell them apart).
    case null
}

extension RedisValue {
    /// True for ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The text of a bulk string (decoded as UTF-8) or a status reply; `nil` for other types.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer (as `GET` of a counter returns); `nil` otherwise.
    public var int: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .bulk(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// The bytes of a bulk string or status reply; `nil` for other types.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for other types (including ``null``).
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The text of an error reply; `nil` for other types.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    // MARK: - Throwing accessors

    /// Like ``string``, but throws ``RedisError/Code/typeMismatch`` (or ``RedisError/Code/server`` for an error reply).
    public func asString() throws(RedisError) -> String {
        guard let value = self.string else { throw self.mismatch("string") }
        return value
    }

    /// Like ``int``, but throws ``RedisError/Code/typeMismatch`` (or ``RedisError/Code/server`` for an error reply).
    public func asInt() throws(RedisError) -> Int {
        guard let value = self.int else { throw self.mismatch("integer") }
        return value
    }

    /// Like ``bytes``, but throws ``RedisError/Code/typeMismatch`` (or ``RedisError/Code/server`` for an error reply).
    public func asBytes() throws(RedisError) -> [UInt8] {
        guard let value = self.bytes else { throw self.mismatch("bulk string") }
        return value
    }

    /// Like ``array``, but throws ``RedisError/Code/typeMismatch`` (or ``RedisError/Code/server`` for an error reply).
    public func asArray() throws(RedisError) -> [RedisValue] {
        guard let value = self.array else { throw self.mismatch("array") }
        return value
    }

    /// The reply itself, or the error it carries thrown as ``RedisError``.
    public func throwingServerError() throws(RedisError) -> RedisValue {
        if case .error(let message) = self { throw RedisError.server(message) }
        return self
    }

    private func mismatch(_ expected: String) -> RedisError {
        if case .error(let message) = self { return RedisError.server(message) }
        return RedisError(.typeMismatch, detail: "expected \(expected), got \(self.typeName)")
    }

    /// The RESP type's name, for messages.
    var typeName: String {
        switch self {
        case .status: "status"
        case .error: "error"
        case .integer: "integer"
        case .bulk: "bulk string"
        case .array: "array"
        case .null: "null"
        }
    }
}
