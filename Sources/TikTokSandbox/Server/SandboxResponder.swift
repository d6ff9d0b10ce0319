import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The one responder: routes by path, applies faults, logs every request (method, path without its query, status,
/// latency; never a token or code).
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxContext
    let app: SandboxApp

    func respond(to request: Request, context: SandboxContext) async throws -> Response {
        let started = ContinuousClock.now
        let route = Route(path: request.uri.path)
        let response: Response
        if route == .notFound {
            response = Reply.plain(404, "Not found.")
        } else if !route.methods.contains(request.method) {
            response = Reply.plain(405, "Method not allowed.", headers: [.allow: route.methods.map(\.rawValue).joined(separator: ", ")])
        } else if let endpoint = route.faultEndpoint {
            response = await self.respondWithFaults(endpoint, route: route, request: request, context: context)
        } else {
            response = await self.dispatch(route, request: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        self.app.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "latency_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ])
        return response
    }

    private func respondWithFaults(_ endpoint: FaultEndpoint, route: Route, request: Request, context: SandboxContext) async -> Response {
        let decision = await self.app.state.faultDecision(endpoint)
        if decision.latency > .zero { try? await Task.sleep(for: decision.latency) }
        if let status = decision.failStatus { return Self.injectedFailure(endpoint, status: status) }
        let response = await self.dispatch(route, request: request, context: context)
        if let drop = await self.app.state.takeDrop(endpoint) {
            self.app.logger.notice("dropping the response after its action", metadata: ["endpoint": "\(endpoint.rawValue)"])
            if drop.mode == .timeout { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: drop.hold) } }
            try? await context.channel.close()
        }
        return response
    }

    private func dispatch(_ route: Route, request: Request, context: SandboxContext) async -> Response {
        switch route {
        case .authorize: await AuthorizeEndpoint(app: self.app).respond(to: request)
        case .token: await TokenEndpoint(app: self.app).respond(to: request)
        case .revoke: await RevokeEndpoint(app: self.app).respond(to: request)
        case .creatorInfo: await PostingEndpoints(app: self.app).creatorInfo(request)
        case .videoInit: await PostingEndpoints(app: self.app).initialize(request, mode: .direct)
        case .inboxInit: await PostingEndpoints(app: self.app).initialize(request, mode: .inbox)
        case .status: await PostingEndpoints(app: self.app).status(request)
        case .cancel: await PostingEndpoints(app: self.app).cancel(request)
        case .upload: await UploadEndpoint(app: self.app).respond(to: request, channel: context.channel)
        case .creators, .posts, .faults, .tokens: await InspectionEndpoints(app: self.app).respond(to: request, route: route)
        case .notFound: Reply.plain(404, "Not found.")
        }
    }

    /// The 5xx an error-rate fault answers, in the endpoint's own shape.
    static func injectedFailure(_ endpoint: FaultEndpoint, status: Int) -> Response {
        let logID = Identifiers.logID()
        switch endpoint {
        case .token, .revoke:
            return Reply.oauth(.forced(status == 503 ? "temporarily_unavailable" : "server_error"), logID: logID)
        case .upload:
            return Reply.plain(status, "Injected by the sandbox.")
        default:
            var error = PostingError.internalError
            error.status = status
            return Reply.failure(error, logID: logID)
        }
    }
}
