/// One value for ``PostgresClient/copy(into:schema:columns:rows:)``, held in PostgreSQL's text form. A `nil` in a row
/// is NULL.
public struct PostgresCopyValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral
{
    /// The value's text form, as for a query parameter.
    public var text: String

    /// The text form of any encodable value (`nil` text, such as an Optional's `nil`, becomes an empty string: pass
    /// `nil` in the row instead for NULL).
    /// - Throws: ``PostgresError`` `encoding`.
    public init(_ value: some PostgresEncodable) throws(PostgresError) { self.text = try value.postgresText() ?? "" }

    /// Text as it is.
    public init(stringLiteral value: String) { self.text = value }
    /// An integer.
    public init(integerLiteral value: Int) { self.text = String(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self.text = value ? "t" : "f" }
    /// A double.
    public init(floatLiteral value: Double) { self.text = value.postgresText() ?? "" }

    /// Appends the value to a COPY text-format line: backslash, tab, newline and carriage return escaped.
    func appendEscaped(to buffer: inout [UInt8]) throws(PostgresError) {
        for byte in self.text.utf8 {
            switch byte {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(0x74)
            case 0x0A: buffer.append(0x5C); buffer.append(0x6E)
            case 0x0D: buffer.append(0x5C); buffer.append(0x72)
            case 0x00: throw PostgresError(.encoding, message: "a COPY value contains a NUL byte, which PostgreSQL text cannot hold")
            default: buffer.append(byte)
            }
        }
    }
}
