import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times as JSON Schema's `date-time` allows them: with or without fractional seconds, `Z` or any
/// offset. Answers are written without fractional seconds, in UTC.
struct LenientDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { date.formatted(Self.plain) }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: Self.fractional) { return date }
        if let date = try? Date(text, strategy: Self.plain) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z"))
    }

    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
