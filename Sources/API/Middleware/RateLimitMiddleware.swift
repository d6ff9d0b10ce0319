import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import Logging

/// A per-key request budget shared by every API process (a sliding window in Redis, ``RateLimiter``), judged on
/// Redis's clock. Over budget: 429 `rate_limited` with `Retry-After`. When Redis cannot answer, the request goes
/// through (the limit protects the service; it must not take the API down with Redis).
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let clock: RedisClock
    /// Requests per window per key.
    let limit: Int
    let window: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard self.limit > 0, let caller = Caller.current else { return try await next(request, context) }
        let decision: RateDecision
        let now: Date
        do {
            now = try await self.clock.now()
            decision = try await self.limiter.reserve(key: "api:\(caller.apiKeyID.uuidString.lowercased())", limit: self.limit, window: self.window, now: now)
        } catch {
            context.logger.warning("rate limit unavailable; request let through", metadata: ["error.code": "\(error.code)"])
            return try await next(request, context)
        }
        guard case .denied(let retryAt) = decision else { return try await next(request, context) }
        let seconds = max(1, Int(retryAt.timeIntervalSince(now).rounded(.up)))
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        throw APIError(
            .tooManyRequests, code: "rate_limited", message: "this API key sent more than \(self.limit) requests in \(self.window); retry later",
            headers: headers)
    }
}
