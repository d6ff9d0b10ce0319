import Foundation
import Hummingbird

/// The sandbox's own endpoints under `/_sandbox` (errors in Reelay's shape `{"error": {"code", "message", "details"}}`):
///
/// - `POST /_sandbox/creators` `{"nickname", "username", "privacy_level_options", "max_video_post_duration_sec",
///   "daily_post_cap", "comment_disabled", "duet_disabled", "stitch_disabled"}` (all optional) → 201 with the creator;
///   `GET /_sandbox/creators` → `{"creators": [...]}`.
/// - `GET /_sandbox/posts[?open_id=]` → `{"posts": [...]}`: every publish with its status, bytes and SHA-256.
/// - `POST /_sandbox/faults` (see ``FaultChange``), `GET /_sandbox/faults`, `DELETE /_sandbox/faults[?endpoint=]`.
/// - `POST /_sandbox/tokens` `{"open_id", "scope"}` → the token JSON of `/v2/oauth/token/`, skipping the browser.
struct InspectionEndpoints {
    let app: SandboxApp

    func respond(to request: Request, route: Route) async -> Response {
        do throws(InspectionError) {
            switch (route, request.method) {
            case (.creators, .post):
                let draft: CreatorDraft = try await Self.decode(request, allowEmpty: true, keys: CreatorDraft.CodingKeys.allCases.map(\.rawValue))
                try draft.validate()
                let creator = await self.app.state.addCreator(draft.creator(defaultCap: self.app.configuration.defaultDailyPostCap, now: self.app.now()))
                return Reply.json(creator, status: 201)
            case (.creators, _):
                return Reply.json(["creators": await self.app.state.creatorList])
            case (.posts, _):
                let filter = FormFields.parse(request.uri.query ?? "")?["open_id"]
                return Reply.json(["posts": await self.app.state.postSummaries(openID: filter, now: self.app.now())])
            case (.faults, .post):
                let change: FaultChange = try await Self.decode(request, allowEmpty: false, keys: FaultChange.CodingKeys.allCases.map(\.rawValue))
                try change.validate()
                return Reply.json(FaultList(await self.app.state.applyFaults(change)))
            case (.faults, .delete):
                let name = FormFields.parse(request.uri.query ?? "")?["endpoint"]
                let endpoint = name.flatMap(FaultEndpoint.init(rawValue:))
                if name != nil, endpoint == nil { throw .invalidBody("unknown endpoint '\(name ?? "")'", field: "endpoint") }
                await self.app.state.clearFaults(endpoint)
                return Reply.json(FaultList(await self.app.state.faultRules))
            case (.faults, _):
                return Reply.json(FaultList(await self.app.state.faultRules))
            default:
                let wish: TokenWish = try await Self.decode(request, allowEmpty: false, keys: TokenWish.CodingKeys.allCases.map(\.rawValue))
                let scopes = (wish.scope ?? Scope.all.sorted().joined(separator: ",")).split(separator: ",").map(String.init)
                guard !scopes.isEmpty, scopes.allSatisfy(Scope.all.contains) else { throw .invalidBody("unknown scope", field: "scope") }
                guard let issue = await self.app.state.issueDirectly(openID: wish.openID, scopes: scopes, now: self.app.now()) else {
                    throw InspectionError(status: 404, code: "unknown_creator", message: "no creator has this open_id", details: ["field": "open_id"])
                }
                return Reply.json(issue, status: 201)
            }
        } catch {
            return Reply.inspection(error)
        }
    }

    /// Decodes a JSON object body whose keys are all in `keys`; an empty body decodes `{}` when `allowEmpty`.
    static func decode<Value: Decodable>(_ request: Request, allowEmpty: Bool, keys: [String]) async throws(InspectionError) -> Value {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 * 1024) } catch { throw .invalidBody("the body is larger than 64 KiB or incomplete") }
        var data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw .invalidBody("a JSON object body is required") }
            data = Data("{}".utf8)
        }
        guard let members = JSONValue.parse(data)?.object else { throw .invalidBody("the body must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !keys.contains($0) }) {
            throw .invalidBody("unknown field '\(unknown)'", field: unknown)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: data)
        } catch let error as DecodingError {
            throw .invalidBody("a field has the wrong type or value", field: Self.field(of: error))
        } catch {
            throw .invalidBody("the body cannot be read")
        }
    }

    private static func field(of error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: return nil
        }
        return path.isEmpty ? nil : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

/// The body of `POST /_sandbox/tokens`.
struct TokenWish: Decodable {
    var openID: String
    var scope: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case openID = "open_id", scope }
}

/// `{"faults": {endpoint: rule}}`.
struct FaultList: Encodable {
    var faults: [String: FaultRule]
    init(_ rules: [FaultEndpoint: FaultRule]) {
        self.faults = Dictionary(uniqueKeysWithValues: rules.map { ($0.key.rawValue, $0.value) })
    }
}
