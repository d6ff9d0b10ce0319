import Domain
import Foundation
import Testing

@testable import API

/// The pieces that enforce the OpenAPI document: RFC 3339 dates, known routes (404 vs 405) and JSON body checks.
@Suite struct RequestValidationTests {
    @Test(arguments: [
        "2026-12-01T09:00:00Z", "2026-12-01T09:00:00.123Z", "2026-12-01t09:00:00z", "0198-02-03T15:16:41.3-00:53", "2024-02-29T23:59:60+14:00",
    ])
    func wellFormedDateTimesDecode(text: String) throws {
        #expect(throws: Never.self) { try LenientDateTranscoder().decode(text) }
    }

    @Test(arguments: [
        "2024-01-01T12:99:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00",
        "2024-01-01T00:00:00+2:00", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00.Z", "someday", "",
    ])
    func malformedDateTimesAreRefused(text: String) {
        #expect(throws: (any Error).self) { try LenientDateTranscoder().decode(text) }
    }

    @Test func aKnownPathAnswersItsMethodsAndLiteralSegmentsWinOverTemplates() {
        let routes = KnownRoutes(document: StaticDocuments.openAPI)
        #expect(routes.methods(for: "/api/v1/accounts/connect") == ["POST"])
        #expect(routes.methods(for: "/api/v1/accounts/6f1c8d0e-0000-4000-8000-000000000000") == ["DELETE", "GET", "HEAD", "PATCH"])
        #expect(routes.methods(for: "/api/v1/posts/stats") == ["GET", "HEAD"])
        #expect(routes.methods(for: "/api/v1/nothing/here").isEmpty)
    }

    @Test func bodiesAreCheckedAgainstTheDocument() {
        let validator = RequestSchemaValidator(document: StaticDocuments.openAPI)
        func fields(_ json: String, _ operation: String) -> [String] {
            validator.problems(of: Array(json.utf8), operationID: operation).map(\.field)
        }
        #expect(fields(#"{"name": "ok", "role": "viewer"}"#, "createAPIKey").isEmpty)
        #expect(fields(#"{"name": "ok", "role": "viewer", "expires_at": null}"#, "createAPIKey") == ["expires_at"])
        #expect(fields(#"{"name": "ok", "role": "root", "colour": 1}"#, "createAPIKey") == ["colour", "role"])
        #expect(fields(#"{"role": "viewer"}"#, "createAPIKey") == ["name"])
        #expect(fields("not json", "createAPIKey") == ["body"])
        #expect(fields(#"{"name": "a\u0000", "role": "viewer"}"#, "createAPIKey") == ["name"])
        #expect(fields(#"{"rows": [{"nickname": "x"}, {"nickname": "\u0000"}]}"#, "importAccounts") == ["rows[1].nickname"])
        let problems = validator.problems(of: Array(#"{"name": "ok", "role": "viewer", "expires_at": "2024-01-01T12:99:00Z"}"#.utf8), operationID: "createAPIKey")
        #expect(problems.map(\.problem) == ["is not a valid date-time"])
        #expect(RequestSchemaValidator.isShapeProblem(FieldProblem(field: "x", problem: "is not a known field")))
        #expect(!RequestSchemaValidator.isShapeProblem(FieldProblem(field: "x", problem: "is not a valid uuid")))
    }
}
