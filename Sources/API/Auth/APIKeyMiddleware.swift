import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Requires `Authorization: Bearer <key>` on every `/api/` route, checks the key's role against the request, and runs
/// the rest of the request with ``Caller/current`` set. Viewers only read (GET, HEAD); editors do everything but API
/// keys and queue controls; admins do everything. Known keys are cached for `cacheFor` (a revoked key may work that
/// long on a process that saw it recently).
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: APIKeyRepository
    let cache: APIKeyCache

    init(keys: APIKeyRepository, cache: APIKeyCache) {
        self.keys = keys
        self.cache = cache
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/"), request.method != .options else { return try await next(request, context) }
        let caller = try await self.authenticate(request)
        try Self.authorize(caller.role, method: request.method, path: request.uri.path)
        var context = context
        context.logger[metadataKey: "api_key"] = .string(caller.prefix)
        return try await Caller.$current.withValue(caller) { try await next(request, context) }
    }

    func authenticate(_ request: Request) async throws -> Caller {
        var challenge = HTTPFields()
        challenge[.wwwAuthenticate] = "Bearer realm=\"reelay\""
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, code: "unauthorized", message: "send Authorization: Bearer <API key>", headers: challenge)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the Authorization header must be: Bearer <API key>", headers: challenge)
        }
        let key = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard APIKeyMinter.isWellFormed(key) else {
            throw APIError(.unauthorized, code: "invalid_api_key", message: "the API key is not valid", headers: challenge)
        }
        let hash = APIKeyMinter.hash(key)
        let now = Date()
        if let cached = self.cache.get(hash, now: now) { return cached }
        guard let record = try await self.keys.authenticate(hash: hash, now: now) else {
            throw APIError(.unauthorized, code: "invalid_api_key", message: "the API key is not valid, revoked or expired", headers: challenge)
        }
        let caller = Caller(apiKeyID: record.id, prefix: record.prefix, role: record.role)
        self.cache.put(hash, caller, expiresAt: record.expiresAt, now: now)
        return caller
    }

    /// 403 unless `role` may send `method` to `path`.
    static func authorize(_ role: APIKey.Role, method: HTTPRequest.Method, path: String) throws(APIError) {
        let reads = method == .get || method == .head
        let adminOnly = path.hasPrefix("/api/v1/api-keys") || (path.hasPrefix("/api/v1/queues") && !reads)
        switch role {
        case .admin: return
        case .editor where !adminOnly: return
        case .viewer where reads && !path.hasPrefix("/api/v1/api-keys"): return
        default:
            throw APIError(.forbidden, code: "forbidden", message: "this API key's role (\(role.rawValue)) may not do this")
        }
    }
}

/// Recently authenticated keys by hash, each for a short while.
final class APIKeyCache: Sendable {
    private let entries = Mutex<[Data: (caller: Caller, until: Date)]>([:])
    let lifetime: TimeInterval

    init(lifetime: Duration) {
        self.lifetime = Double(lifetime.components.seconds)
    }

    func get(_ hash: Data, now: Date) -> Caller? {
        self.entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.until > now else {
                entries[hash] = nil
                return nil
            }
            return entry.caller
        }
    }

    func put(_ hash: Data, _ caller: Caller, expiresAt: Date?, now: Date) {
        var until = now.addingTimeInterval(self.lifetime)
        if let expiresAt, expiresAt < until { until = expiresAt }
        self.entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (caller, until)
        }
    }

    /// Forgets every cached key (after a revoke on this process).
    func clear() { self.entries.withLock { $0.removeAll() } }
}
