import Domain
import Foundation
import Testing

/// The one-pass JSON parser agrees with `JSONDecoder` on what it accepts and refuses what JSON does not allow.
@Suite struct JSONValueParseTests {
    @Test(arguments: [
        #"{"privacy_level": "SELF_ONLY", "disable_duet": true, "is_aigc": false, "video_cover_timestamp_ms": 1500}"#,
        #"{"a": [1, -2.5, 3e2, 0, -0.0, 1E-3], "b": {"c": null, "d": [true, [], {}]}, "e": ""}"#,
        #"{"esc": "quote \" slash \/ back \\ nl \n tab \t u \u00e9 pair \ud83d\ude00 raw é"}"#,
        "  [ 1 , 2 ]  ", "\"text\"", "12", "null",
    ])
    func agreesWithJSONDecoder(text: String) throws {
        let parsed = try JSONValue.parse(text.utf8)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(parsed == decoded)
    }

    @Test(arguments: [
        "", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1,]", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"open", "\"bad \\x escape\"",
        "\"raw \u{01} control\"", "{} {}", "[1] x", "{'a': 1}", "NaN", "+1",
    ])
    func refusesWhatJSONDoesNotAllow(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text.utf8) }
    }

    @Test func deepNestingIsRefusedInsteadOfOverflowingTheStack() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep.utf8) }
    }
}
