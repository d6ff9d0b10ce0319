public import Foundation
public import Redis

/// A sliding-window rate limit per key, for example `account:42:init`, 6 per 60 s (TikTok's `video/init` limit per
/// token). Each reservation is one member of a sorted set scored by its time; a reservation counts until `window` after
/// it was made. Checking and reserving is one script, so concurrent workers never exceed the limit.
public struct RateLimiter: Sendable {
    /// The Redis the windows live in.
    public let client: RedisClient
    /// The key prefix (default `reelay`).
    public let prefix: String

    /// A limiter over `client`, with keys under `prefix`.
    public init(client: RedisClient, prefix: String = "reelay") {
        self.client = client
        self.prefix = prefix
    }

    /// Reserves one unit of `key`'s budget of `limit` per `window`, at `now`.
    ///
    /// Reserving again with the `id` of a reservation still in the window grants without counting twice, so a job that
    /// reserves with its own id and then crashes does not spend two units.
    /// - Parameters:
    ///   - id: The reservation's id, unique per reservation unless retried on purpose; pass it to ``release(key:id:)``.
    /// - Returns: ``RateDecision/granted``, or ``RateDecision/denied(retryAt:)`` at the time enough reservations leave
    ///   the window for one more.
    /// - Throws: ``JobQueueError`` `invalidArgument` (bad key, `limit` < 1, `window` < 1 ms) or `broker`.
    public func reserve(key: String, limit: Int, window: Duration, now: Date, id: String = UUID().uuidString) async throws(JobQueueError)
        -> RateDecision
    {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let windowMs = window.wholeMilliseconds
        guard limit >= 1, windowMs >= 1 else {
            throw JobQueueError(.invalidArgument, detail: "rate limit of \(key): limit \(limit) per \(window) (need ≥ 1 per ≥ 1 ms)")
        }
        let reply = try await RedisBoundary.call("reserve \(key)") {
            try await self.client.evalSHA(
                Self.reserveScript, keys: [keys.window],
                arguments: [String(now.epochMilliseconds), String(windowMs), String(limit), id])
        }
        guard let parts = reply.array, parts.count == 2, let granted = parts[0].int, let at = parts[1].int else {
            throw JobQueueError(.broker, detail: "reserve \(key): unexpected reply \(reply)")
        }
        return granted == 1 ? .granted : .denied(retryAt: Date(epochMilliseconds: Int64(at)))
    }

    /// Gives back reservation `id` of `key` (the call it paid for was not made). Returns false when it was not in the
    /// window (already expired, or never made).
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    @discardableResult
    public func release(key: String, id: String) async throws(JobQueueError) -> Bool {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let reply = try await RedisBoundary.call("release \(key)") { try await self.client.send(["ZREM", keys.window, id]) }
        return reply.int == 1
    }

    /// How many reservations of `key` count at `now` against a window of `window`.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    public func used(key: String, window: Duration, now: Date) async throws(JobQueueError) -> Int {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let after = now.epochMilliseconds - window.wholeMilliseconds
        let reply = try await RedisBoundary.call("count \(key)") { try await self.client.send(["ZCOUNT", keys.window, "(\(after)", "+inf"]) }
        return reply.int ?? 0
    }

    // MARK: - Script

    /// Reserve one unit of a sliding window.
    /// KEYS[1] the window zset (reservation id → time ms).
    /// ARGV[1] now (ms; the earlier of it and Redis's `TIME` counts, so a host whose clock runs ahead cannot push other
    /// hosts' reservations out of the window early), ARGV[2] window (ms), ARGV[3] limit, ARGV[4] reservation id.
    /// Drops entries at or before now − window, then: id already present → {1, 0}; fewer than limit → adds id at now,
    /// sets the key's TTL to the window, {1, 0}; else {0, t} where t (ms) is when the entry that must leave for one more
    /// reservation leaves the window (its time + window).
    static let reserveScript = RedisScript(
        """
        \(LuaScripts.clampedNowFunction)
        local now = clampedNow(ARGV[1])
        local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
          return {1, 0}
        end
        local count = redis.call('ZCARD', KEYS[1])
        if count < limit then
          redis.call('ZADD', KEYS[1], now, ARGV[4])
          redis.call('PEXPIRE', KEYS[1], window)
          return {1, 0}
        end
        local entry = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
        return {0, tonumber(entry[2]) + window}
        """)
}
