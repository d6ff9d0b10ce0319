import Foundation
import HTTPTypes
import Hummingbird
public import Logging

/// Gives every request an id: the caller's `X-Request-Id` when it is 1 to 64 of `[A-Za-z0-9._-]`, else a new one. It
/// is in the answer's `X-Request-Id` header and in every log line of the request (`request.id`): in the context's
/// logger, and, through ``RequestScope``, in the lines of every logger made with ``RequestScope/metadataProvider``
/// (the handlers' own loggers, which never see the request context).
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let incoming = request.headers[Self.headerName]
        let id = incoming.flatMap { Self.isAcceptable($0) ? $0 : nil } ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await RequestScope.$requestID.withValue(id) { try await next(request, context) }
        response.headers[Self.headerName] = id
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F
            }
    }
}

/// The request a task serves, as a task-local value, so log lines written on its behalf carry its id.
public enum RequestScope {
    /// The id of the request the current task serves (set by ``RequestIDMiddleware``).
    @TaskLocal public static var requestID: String?

    /// Adds `request.id` to a log line written while a request is being served.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = RequestScope.requestID else { return [:] }
        return ["request.id": .string(id)]
    }
}
