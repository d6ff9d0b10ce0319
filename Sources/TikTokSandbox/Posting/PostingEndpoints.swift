import Foundation
import Hummingbird

/// The Content Posting endpoints (reference §2.3–2.10): bearer auth, scopes, per-token rate limits, the JSON
/// envelope and a fresh `log_id` on every answer.
struct PostingEndpoints {
    let app: SandboxApp

    /// Per-token limits per window (reference §3.1). Cancel's limit is not documented (UNCONFIRMED): the sandbox
    /// applies the strictest documented one, 6.
    enum Limit {
        static let creatorInfo = 20, initialize = 6, status = 30, cancel = 6
    }

    func creatorInfo(_ request: Request) async -> Response {
        await self.authorized(request, endpoint: "creator_info", limit: Limit.creatorInfo, scopes: [Scope.videoPublish]) {
            caller, logID throws(PostingError) in
            let answer = try await self.app.state.creatorInfo(caller: caller, now: self.app.now())
            if let code = answer.blockingCode {
                // Sent with HTTP 200 on purpose (reference §2.3); data left empty so clients must read error.code.
                return Reply.failure(PostingError(code: code, status: 200, message: PostingError.forced(code).message), logID: logID)
            }
            return Reply.ok(CreatorInfoData(answer), logID: logID)
        }
    }

    func initialize(_ request: Request, mode: PostRecord.Mode) async -> Response {
        let scope = mode == .direct ? Scope.videoPublish : Scope.videoUpload
        let name = mode == .direct ? "video_init" : "inbox_init"
        return await self.authorized(request, endpoint: name, limit: Limit.initialize, scopes: [scope]) { caller, logID throws(PostingError) in
            let body = try await Self.jsonBody(request)
            let parsed = try InitRequest(body: body, direct: mode == .direct)
            let created = try await self.app.state.createPost(caller: caller, request: parsed, mode: mode, now: self.app.now())
            var data = InitData(publishID: created.post.publishID)
            if let upload = created.upload {
                data.uploadURL = self.app.baseURL(for: request) + "/upload/?upload_id=\(upload.id)&upload_token=\(upload.token)"
            }
            if case .pull(let url) = parsed.source { self.app.pulls.submit(PullJob(publishID: created.post.publishID, url: url)) }
            return Reply.ok(data, logID: logID)
        }
    }

    func status(_ request: Request) async -> Response {
        await self.authorized(request, endpoint: "status", limit: Limit.status, scopes: [Scope.videoPublish, Scope.videoUpload]) {
            caller, logID throws(PostingError) in
            let publishID = try await Self.publishID(request)
            let (post, view) = try await self.app.state.publishStatus(caller: caller, publishID: publishID, now: self.app.now())
            return Reply.ok(StatusData(post: post, view: view), logID: logID)
        }
    }

    func cancel(_ request: Request) async -> Response {
        await self.authorized(request, endpoint: "cancel", limit: Limit.cancel, scopes: [Scope.videoPublish, Scope.videoUpload]) {
            caller, logID throws(PostingError) in
            let publishID = try await Self.publishID(request)
            try await self.app.state.cancel(caller: caller, publishID: publishID, now: self.app.now())
            return Reply.ok(EmptyObject?.none, logID: logID)
        }
    }

    // MARK: Shared steps

    /// Authenticates the bearer token, checks that it holds one of `scopes`, counts the call against the token's
    /// limit, then runs `body`; any ``PostingError`` becomes the envelope with its status.
    private func authorized(
        _ request: Request, endpoint: String, limit: Int, scopes: Set<String>,
        _ body: (Caller, String) async throws(PostingError) -> Response
    ) async -> Response {
        let logID = Identifiers.logID()
        do throws(PostingError) {
            guard let token = Self.bearerToken(request) else { throw .accessTokenInvalid }
            let caller = try await self.app.state.authenticate(token: token, now: self.app.now())
            guard !scopes.isDisjoint(with: caller.scopes) else { throw .scopeNotAuthorized }
            try await self.app.state.consumeRate(token: token, endpoint: endpoint, limit: limit, now: self.app.now())
            return try await body(caller, logID)
        } catch {
            return Reply.failure(error, logID: logID)
        }
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A JSON body of at most 1 MiB; the content type must be JSON.
    static func jsonBody(_ request: Request) async throws(PostingError) -> Data {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else { throw .invalidParam("Content-Type must be application/json.") }
        do {
            return Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        } catch {
            throw .invalidParam("The request body is too large or incomplete.")
        }
    }

    /// `publish_id` of a status/cancel body.
    static func publishID(_ request: Request) async throws(PostingError) -> String {
        let body = try await Self.jsonBody(request)
        guard let root = JSONValue.parse(body)?.object else { throw .invalidParam("The request body must be a JSON object.") }
        guard let id = try JSONFields(members: root, path: "").string("publish_id"), !id.isEmpty else {
            throw .invalidParam("publish_id is required.")
        }
        return id
    }
}
