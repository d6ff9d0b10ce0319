import Domain
import Foundation
import HTTPTypes

/// The JSON of every error answer: `{"error": {"code", "message", "details"}}`.
struct ErrorBody: Encodable {
    struct Inner: Encodable {
        var code: String
        var message: String
        var details: [FieldProblem]
    }

    var error: Inner

    init(_ error: APIError) {
        self.error = Inner(code: error.code, message: error.message, details: error.details)
    }

    /// The encoded body (sorted keys, so answers are stable).
    static func encode(_ error: APIError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(ErrorBody(error))) ?? Data(#"{"error":{"code":"internal","message":"error","details":[]}}"#.utf8)
    }
}
