public import Foundation
public import Redis

/// At most N holders of a key at once, for example one upload per account. Each holder has a lease: a holder that
/// crashes loses its slot when the lease lapses, so nobody waits for it forever. Holders renew with
/// ``extend(key:holder:lease:now:)`` and give the slot back with ``release(key:holder:)``.
public struct ConcurrencyLimiter: Sendable {
    /// The Redis the holder sets live in.
    public let client: RedisClient
    /// The key prefix (default `reelay`).
    public let prefix: String

    /// A limiter over `client`, with keys under `prefix`.
    public init(client: RedisClient, prefix: String = "reelay") {
        self.client = client
        self.prefix = prefix
    }

    /// Takes one of `limit` slots of `key` for `holder` until `now + lease`. A holder that already holds a slot keeps
    /// it with the new deadline (acquire is idempotent per holder). Lapsed holders are dropped first.
    /// - Returns: True when `holder` now holds a slot.
    /// - Throws: ``JobQueueError`` `invalidArgument` (bad key, empty holder, `limit` < 1, `lease` < 1 ms) or `broker`.
    public func acquire(key: String, limit: Int, holder: String, lease: Duration, now: Date) async throws(JobQueueError) -> Bool {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let leaseMs = lease.wholeMilliseconds
        guard limit >= 1, leaseMs >= 1, !holder.isEmpty else {
            throw JobQueueError(.invalidArgument, detail: "concurrency limit of \(key): limit \(limit), lease \(lease), holder '\(holder)'")
        }
        let nowMs = now.epochMilliseconds
        let reply = try await RedisBoundary.call("acquire \(key)") {
            try await self.client.evalSHA(
                Self.acquireScript, keys: [keys.holders], arguments: [String(nowMs), String(limit), holder, String(nowMs + leaseMs)])
        }
        return reply.int == 1
    }

    /// Moves `holder`'s deadline to `now + lease`. Returns false when it holds no slot (its lease lapsed and the slot
    /// may have gone to someone else): the holder must stop, or acquire again.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    public func extend(key: String, holder: String, lease: Duration, now: Date) async throws(JobQueueError) -> Bool {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let nowMs = now.epochMilliseconds
        let reply = try await RedisBoundary.call("extend \(key)") {
            try await self.client.evalSHA(
                Self.extendScript, keys: [keys.holders], arguments: [String(nowMs), holder, String(nowMs + lease.wholeMilliseconds)])
        }
        return reply.int == 1
    }

    /// Gives `holder`'s slot back. Returns false when it held none.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    @discardableResult
    public func release(key: String, holder: String) async throws(JobQueueError) -> Bool {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let reply = try await RedisBoundary.call("release \(key)") { try await self.client.send(["ZREM", keys.holders, holder]) }
        return reply.int == 1
    }

    /// The holders of `key` whose lease runs past `now`.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    public func holders(key: String, now: Date) async throws(JobQueueError) -> [String] {
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let reply = try await RedisBoundary.call("holders \(key)") {
            try await self.client.send(["ZRANGEBYSCORE", keys.holders, "(\(now.epochMilliseconds)", "+inf"])
        }
        return (reply.array ?? []).compactMap(\.string)
    }

    // MARK: - Scripts

    /// Take a slot.
    /// KEYS[1] the holders zset (holder → lease deadline ms).
    /// ARGV[1] now (ms), ARGV[2] limit, ARGV[3] holder, ARGV[4] new deadline (ms). The earlier of now and Redis's `TIME`
    /// counts, and the deadline keeps its distance from it: a host whose clock runs ahead cannot drop live holders.
    /// Drops holders whose deadline is at or before now; then a present holder gets the new deadline, a new one is added
    /// when fewer than limit hold. The key lives until the last deadline. Reply 1 when the holder holds a slot, else 0.
    static let acquireScript = RedisScript(
        """
        \(LuaScripts.clampedNowFunction)
        local now = clampedNow(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]) - tonumber(ARGV[1]), ARGV[3])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now))
        return 1
        """)

    /// Renew a slot.
    /// KEYS[1] the holders zset. ARGV[1] now (ms), ARGV[2] holder, ARGV[3] new deadline (ms).
    /// Reply 1 after moving the deadline of a holder whose lease has not lapsed; 0 (and the lapsed entry removed) else.
    static let extendScript = RedisScript(
        """
        local now = tonumber(ARGV[1])
        local deadline = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]) or '0')
        if deadline <= now then
          redis.call('ZREM', KEYS[1], ARGV[2])
          return 0
        end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now))
        return 1
        """)
}
