public import Foundation
public import Postgres

extension JSONValue {
    /// Why ``parse(_:)`` refused its input: the byte offset and what was expected there.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var expected: String
        public var description: String { "invalid JSON at byte \(self.offset): expected \(self.expected)" }
    }

    /// Parses JSON text straight into a value, in one pass. `JSONDecoder` reaches the same result through `Codable`,
    /// which for a `JSONValue` means trying each type in turn and throwing on every miss: about ten times slower, and
    /// it was a fifth of the API's time when listing posts (each row carries JSONB settings).
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: Array(bytes))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw ParseError(offset: parser.index, expected: "the end of the text") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while self.index < self.bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(self.bytes[self.index]) { self.index += 1 }
        }

        func fail(_ expected: String) -> ParseError { ParseError(offset: self.index, expected: expected) }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 512 else { throw self.fail("less nesting (512 levels at most)") }
            guard self.index < self.bytes.count else { throw self.fail("a value") }
            switch self.bytes[self.index] {
            case UInt8(ascii: "{"): return try self.object(depth: depth)
            case UInt8(ascii: "["): return try self.array(depth: depth)
            case UInt8(ascii: "\""): return .string(try self.string())
            case UInt8(ascii: "t"): try self.literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try self.literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try self.literal("null"); return .null
            default: return .number(try self.number())
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let expected = Array(word.utf8)
            guard self.index + expected.count <= self.bytes.count, Array(self.bytes[self.index..<(self.index + expected.count)]) == expected else {
                throw self.fail(word)
            }
            self.index += expected.count
        }

        mutating func object(depth: Int) throws(ParseError) -> JSONValue {
            self.index += 1
            var members: [String: JSONValue] = [:]
            self.skipSpace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
                self.index += 1
                return .object(members)
            }
            while true {
                self.skipSpace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else { throw self.fail("a member name") }
                let name = try self.string()
                self.skipSpace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else { throw self.fail("':'") }
                self.index += 1
                self.skipSpace()
                members[name] = try self.value(depth: depth + 1)
                self.skipSpace()
                guard self.index < self.bytes.count else { throw self.fail("',' or '}'") }
                if self.bytes[self.index] == UInt8(ascii: ",") { self.index += 1; continue }
                guard self.bytes[self.index] == UInt8(ascii: "}") else { throw self.fail("',' or '}'") }
                self.index += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> JSONValue {
            self.index += 1
            var items: [JSONValue] = []
            self.skipSpace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
                self.index += 1
                return .array(items)
            }
            while true {
                self.skipSpace()
                items.append(try self.value(depth: depth + 1))
                self.skipSpace()
                guard self.index < self.bytes.count else { throw self.fail("',' or ']'") }
                if self.bytes[self.index] == UInt8(ascii: ",") { self.index += 1; continue }
                guard self.bytes[self.index] == UInt8(ascii: "]") else { throw self.fail("',' or ']'") }
                self.index += 1
                return .array(items)
            }
        }

        mutating func string() throws(ParseError) -> String {
            self.index += 1
            var scalars = String.UnicodeScalarView()
            var start = self.index
            var plain = true
            while self.index < self.bytes.count {
                let byte = self.bytes[self.index]
                if byte == UInt8(ascii: "\"") {
                    let tail = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
                    self.index += 1
                    if plain { return tail }
                    scalars.append(contentsOf: tail.unicodeScalars)
                    return String(scalars)
                }
                guard byte >= 0x20 else { throw self.fail("no control character inside a string") }
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    scalars.append(contentsOf: String(decoding: self.bytes[start..<self.index], as: UTF8.self).unicodeScalars)
                    self.index += 1
                    guard self.index < self.bytes.count else { throw self.fail("an escape") }
                    let escape = self.bytes[self.index]
                    self.index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try self.hex4()
                        if (0xD800..<0xDC00).contains(code), self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                            self.bytes[self.index + 1] == UInt8(ascii: "u")
                        {
                            self.index += 2
                            let low = try self.hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw self.fail("a low surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default:
                        throw self.fail("a valid escape")
                    }
                    start = self.index
                    continue
                }
                self.index += 1
            }
            throw self.fail("the closing quote")
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard self.index + 4 <= self.bytes.count else { throw self.fail("four hex digits") }
            var code: UInt32 = 0
            for byte in self.bytes[self.index..<(self.index + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw self.fail("four hex digits")
                }
                code = code << 4 | UInt32(digit)
            }
            self.index += 4
            return code
        }

        mutating func number() throws(ParseError) -> Double {
            let start = self.index
            let allowed: Set<UInt8> = Set("+-0123456789.eE".utf8)
            while self.index < self.bytes.count, allowed.contains(self.bytes[self.index]) { self.index += 1 }
            let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
            // JSON's grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
            var rest = Substring(text)
            if rest.first == "-" { rest = rest.dropFirst() }
            let integer = rest.prefix { $0.isASCII && $0.isNumber }
            guard !integer.isEmpty, integer == "0" || integer.first != "0" else { throw ParseError(offset: start, expected: "a value") }
            rest = rest.dropFirst(integer.count)
            if rest.first == "." {
                let fraction = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
                guard !fraction.isEmpty else { throw ParseError(offset: start, expected: "digits after '.'") }
                rest = rest.dropFirst(1 + fraction.count)
            }
            if rest.first == "e" || rest.first == "E" {
                rest = rest.dropFirst()
                if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
                let exponent = rest.prefix { $0.isASCII && $0.isNumber }
                guard !exponent.isEmpty else { throw ParseError(offset: start, expected: "exponent digits") }
                rest = rest.dropFirst(exponent.count)
            }
            guard rest.isEmpty, let number = Double(text) else { throw ParseError(offset: start, expected: "a number") }
            return number
        }
    }
}

extension PostgresRow {
    /// A JSON or JSONB column holding an object, parsed with ``JSONValue/parse(_:)`` (NULL reads as an empty object).
    /// - Throws: ``PostgresError`` `decoding` naming the column when it is not a JSON object.
    public func decodeJSONObject(_ column: String) throws(PostgresError) -> [String: JSONValue] {
        guard let text = try self.decode(column, as: String?.self) else { return [:] }
        guard let value = try? JSONValue.parse(text.utf8), case .object(let members) = value else {
            throw PostgresError(.decoding, message: "column \(column) does not hold a JSON object", column: column)
        }
        return members
    }
}
