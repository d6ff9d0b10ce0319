public import Domain
public import Foundation
import HTTPTypes

/// Who is calling: the API key the request authenticated with. Set by ``APIKeyMiddleware`` for the request's task, so
/// handlers generated from the OpenAPI document (which see no Hummingbird context) can read it.
public struct Caller: Sendable, Hashable {
    /// The key's record id.
    public var apiKeyID: UUID
    /// The key's public prefix (safe to log).
    public var prefix: String
    /// What it may do.
    public var role: APIKey.Role

    /// A caller.
    public init(apiKeyID: UUID, prefix: String, role: APIKey.Role) {
        self.apiKeyID = apiKeyID
        self.prefix = prefix
        self.role = role
    }

    /// The caller of the request running in this task, if it authenticated.
    @TaskLocal public static var current: Caller?

    /// The current caller, or a 401 (a route reached without the auth middleware is a wiring fault, refused anyway).
    static func required() throws(APIError) -> Caller {
        guard let caller = Caller.current else {
            throw APIError(.unauthorized, code: "unauthorized", message: "an API key is required")
        }
        return caller
    }
}
