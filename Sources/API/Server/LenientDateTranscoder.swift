import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times as JSON Schema's `date-time` allows them: with or without fractional seconds, `Z` or any
/// offset. Answers are written without fractional seconds, in UTC.
struct LenientDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { date.formatted(Self.plain) }

    func decode(_ text: String) throws -> Date {
        // The parser is lenient (minute 99 rolls over): the fields are checked first.
        if Self.isWellFormed(text) {
            let upper = text.uppercased()  // RFC 3339 allows a lowercase t and z
            if let date = try? Date(upper, strategy: Self.fractional) { return date }
            if let date = try? Date(upper, strategy: Self.plain) { return date }
        }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z"))
    }

    /// `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)` with every field in range (day checked against its month).
    static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ index: Int, _ expected: Character) -> Bool { index < bytes.count && Character(UnicodeScalar(bytes[index])).uppercased() == String(expected) }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"), let day = number(8..<10), byte(10, "T"),
            let hour = number(11..<13), byte(13, ":"), let minute = number(14..<16), byte(16, ":"), let second = number(17..<19),
            (1...12).contains(month), hour < 24, minute < 60, second <= 60
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > start else { return false }
        }
        if byte(index, "Z") { return index + 1 == bytes.count }
        guard byte(index, "+") || byte(index, "-"), let offsetHours = number((index + 1)..<(index + 3)), byte(index + 3, ":"),
            let offsetMinutes = number((index + 4)..<(index + 6)), offsetHours < 24, offsetMinutes < 60
        else { return false }
        return index + 6 == bytes.count
    }

    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
