import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime

/// Turns every failure below it into the JSON error answer (``APIError``): the handlers' own errors, Domain errors,
/// the generated server's request-decoding errors (a 400 naming the bad field), Hummingbird's errors (unknown route,
/// body too large). Anything else is a 500 `internal_error` with a generic message, logged with the request id.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The document's routes, to tell an unknown path (404) from a known one asked with the wrong method (405).
    var routes: KnownRoutes?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var answer = Self.answer(for: error)
            if answer.code == "route_not_found", let methods = self.routes?.methods(for: request.uri.path), !methods.isEmpty {
                answer = APIError(
                    .methodNotAllowed, code: "method_not_allowed", message: "\(request.uri.path) takes \(methods.joined(separator: ", "))",
                    headers: [.allow: methods.joined(separator: ", ")])
            }
            if answer.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))", "status": "\(answer.status.code)"])
            }
            return Self.response(answer)
        }
    }

    /// The answer for any error.
    static func answer(for error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as DomainError: return APIError(error)
        case let error as MediaError: return APIHandlers.apiError(error)
        case let error as ServerError: return self.answer(for: error)
        case let error as DecodingError: return Self.invalidRequest(error)
        case let error as any HTTPResponseError: return self.answer(status: error.status, message: nil)
        default: return APIError(.internalServerError, code: "internal_error", message: "the server failed; the request id says which")
        }
    }

    /// The answer for the generated server's errors: the handler's own error, or a bad request (missing parameter,
    /// wrong content type, a body that does not decode).
    static func answer(for error: ServerError) -> APIError {
        switch error.underlyingError {
        case let inner as APIError: return inner
        case let inner as DomainError: return APIError(inner)
        case let inner as MediaError: return APIHandlers.apiError(inner)
        case let inner as DecodingError: return Self.invalidRequest(inner)
        case let inner as any HTTPResponseError: return self.answer(status: inner.status, message: nil)
        default:
            guard (400..<500).contains(error.httpStatus.code) else {
                return APIError(.internalServerError, code: "internal_error", message: "the server failed; the request id says which")
            }
            return self.answer(status: error.httpStatus, message: Self.clean(error.causeDescription))
        }
    }

    /// `400 invalid_request`: the body does not decode (unknown field, wrong type, missing field).
    static func invalidRequest(_ error: DecodingError) -> APIError {
        APIError(.badRequest, code: "invalid_request", message: "the request does not match the API's schema", details: [Self.problem(error)])
    }

    /// A 4xx by status, with a code of its own.
    static func answer(status: HTTPResponse.Status, message: String?) -> APIError {
        switch status.code {
        case 404: return APIError(.notFound, code: "route_not_found", message: message ?? "no route matches this method and path")
        case 405: return APIError(.methodNotAllowed, code: "method_not_allowed", message: message ?? "this path does not take this method")
        case 413: return APIError(.contentTooLarge, code: "payload_too_large", message: message ?? "the request body is too large")
        case 415: return APIError(.unsupportedMediaType, code: "unsupported_media_type", message: message ?? "the Content-Type is not accepted here")
        case 406: return APIError(.notAcceptable, code: "not_acceptable", message: message ?? "no acceptable content type")
        case 400..<500: return APIError(status, code: "invalid_request", message: message ?? "the request is invalid")
        default: return APIError(.internalServerError, code: "internal_error", message: "the server failed; the request id says which")
        }
    }

    /// The field a decoding error is about, and what is wrong, without echoing the value.
    static func problem(_ error: DecodingError) -> FieldProblem {
        func path(_ codingPath: [any CodingKey]) -> String {
            let parts = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            let joined = parts.reduce(into: "") { text, part in
                text += part.hasPrefix("[") || text.isEmpty ? part : "." + part
            }
            return joined.isEmpty ? "body" : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return FieldProblem(field: parent == "body" ? key.stringValue : parent + "." + key.stringValue, problem: "is required")
        case .typeMismatch(let type, let context):
            return FieldProblem(field: path(context.codingPath), problem: "has the wrong type (expected \(Self.typeName(type)))")
        case .valueNotFound(let type, let context):
            return FieldProblem(field: path(context.codingPath), problem: "must not be null (expected \(Self.typeName(type)))")
        case .dataCorrupted(let context):
            let text = Self.clean(context.debugDescription)
            if text.hasPrefix("Additional properties are disabled") {
                // The generated decoders name the first unknown key as the last element of the coding path.
                return FieldProblem(field: path(context.codingPath), problem: "is not a known field")
            }
            return FieldProblem(field: path(context.codingPath), problem: text.isEmpty ? "is invalid" : text)
        @unknown default:
            return FieldProblem(field: "body", problem: "is invalid")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "string"
        case "Int", "Int64", "Int32": return "integer"
        case "Double", "Float": return "number"
        case "Bool": return "boolean"
        default: return name.hasPrefix("Array") || name.hasPrefix("[") ? "array" : "object"
        }
    }

    /// One line, short, printable.
    static func clean(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return String(line.prefix(300))
    }

    /// The JSON response for an error.
    static func response(_ error: APIError) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: ErrorBody.encode(error))))
    }
}
