import Foundation
import HTTPTypes
import OpenAPIRuntime

/// A request without `Content-Type` and without body bytes reaches the generated server with no body at all, so a
/// route whose body is optional (`POST /posts/retry-failed`, `POST /queues/{q}/dead/retry`) accepts a bare `POST`
/// instead of failing to decode an empty JSON document. Bodies that carry bytes pass unchanged.
struct EmptyBodyMiddleware: ServerMiddleware {
    /// The most bytes read to tell an empty body from a non-empty one when no length is known.
    static let probeLimit = 16 * 1024 * 1024

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard request.headerFields[.contentType] == nil, let body else { return try await next(request, body, metadata) }
        if case .known(let length) = body.length {
            return try await next(request, length == 0 ? nil : body, metadata)
        }
        let bytes = try await [UInt8](collecting: body, upTo: Self.probeLimit)
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }
}
