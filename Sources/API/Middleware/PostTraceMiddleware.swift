import Domain
import Hummingbird
import TikTok

/// Runs the rest of the request with ``PostTrace/parent`` set to the `traceparent` of the request's span (made by
/// Hummingbird's `TracingMiddleware` before it), so posts created by the request store it and their publish jobs carry
/// it to the worker. Without a tracer there is no span and the value stays `nil`.
struct PostTraceMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let parent = TraceCarrier.traceParent() else { return try await next(request, context) }
        return try await PostTrace.$parent.withValue(parent) { try await next(request, context) }
    }
}
