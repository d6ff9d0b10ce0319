public import Domain
public import HTTPTypes

/// An answer other than success, as JSON: `{"error": {"code", "message", "details"}}`. Handlers and middleware throw it;
/// ``ErrorMiddleware`` writes it. The code is stable (clients switch on it); the message is for people; `details` lists
/// every bad field of a rejected input.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable, snake_case code such as `validation_failed`.
    public var code: String
    /// One sentence for people; never a secret, a stored value or a server-side error text.
    public var message: String
    /// Every bad field, or nothing.
    public var details: [FieldProblem]
    /// Extra headers to answer with (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    /// An error answer.
    public init(_ status: HTTPResponse.Status, code: String, message: String, details: [FieldProblem] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    /// `400 validation_failed` listing `problems`.
    public static func validation(_ problems: [FieldProblem], message: String? = nil) -> APIError {
        let text = message ?? (problems.count == 1 ? "1 field is invalid" : "\(problems.count) fields are invalid")
        return APIError(.unprocessableContent, code: "validation_failed", message: text, details: problems)
    }

    /// `404 not_found` for a kind of record.
    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", message: "\(what) not found")
    }

    /// The answer for a Domain error: the Domain code decides the status; a database failure is a 503, never the
    /// caller's fault and never with the server's text.
    public init(_ error: DomainError) {
        switch error.code {
        case .notFound: self.init(.notFound, code: "not_found", message: error.message)
        case .invalidInput: self.init(.unprocessableContent, code: "validation_failed", message: error.message, details: error.details)
        case .conflict: self.init(.conflict, code: "conflict", message: error.message, details: error.details)
        case .inUse: self.init(.conflict, code: "in_use", message: error.message, details: error.details)
        case .invalidState: self.init(.conflict, code: "invalid_state", message: error.message, details: error.details)
        default:
            var headers = HTTPFields()
            headers[.retryAfter] = "5"
            self.init(.serviceUnavailable, code: "database_unavailable", message: "the database is unavailable; try again", headers: headers)
        }
    }

    /// Status and code.
    public var description: String { "APIError(\(self.status.code) \(self.code))" }
}

