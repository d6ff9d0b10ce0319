import Foundation
public import Publishing
public import Redis

/// The scheduler's leadership: a Redis key holding the leader's id with a `PX` lease (Redis's clock decides when it
/// ends, not any host's), and a fencing token — a counter every new leader increments — that the leader presents with
/// each PostgreSQL write (``Domain/SchedulerFence``), so a leader that froze past its lease cannot write after its
/// successor.
public struct LeaderLease: Sendable {
    let redis: RedisClient
    let keys: SchedulerKeys
    /// This process's id (`host:pid:random`).
    public let id: String
    /// How long a lease lasts unless renewed.
    public let duration: Duration

    /// A lease for `id` lasting `duration`.
    public init(redis: RedisClient, id: String, duration: Duration, keys: SchedulerKeys = SchedulerKeys()) {
        self.redis = redis
        self.keys = keys
        self.id = id
        self.duration = duration
    }

    var milliseconds: String { String(max(self.duration.components.seconds * 1000 + self.duration.components.attoseconds / 1_000_000_000_000_000, 1)) }

    /// Takes the lease when nobody holds it.
    /// - Returns: The new fencing token, or `nil` when another process leads.
    public func tryAcquire() async throws(RedisError) -> Int64? {
        let reply = try await self.redis.evalSHA(Self.acquire, keys: [self.keys.leader, self.keys.fence], arguments: [self.id, self.milliseconds])
        return reply.int.map(Int64.init)
    }

    /// Extends the lease when this process still holds it under `token`.
    /// - Returns: false when the lease was lost (it expired and another process took it, or the term moved on).
    public func renew(token: Int64) async throws(RedisError) -> Bool {
        let reply = try await self.redis.evalSHA(
            Self.renew, keys: [self.keys.leader, self.keys.fence], arguments: [self.id, String(token), self.milliseconds])
        return reply.int == 1
    }

    /// Gives the lease up (at shutdown), so a standby takes over at once instead of after the lease runs out.
    public func release(token: Int64) async {
        _ = try? await self.redis.evalSHA(Self.release, keys: [self.keys.leader, self.keys.fence], arguments: [self.id, String(token)])
    }

    /// Raises the term to at least `minimum` while this process holds the lease (Redis lost its counter — a restart
    /// without persistence — while PostgreSQL still remembers a later token).
    /// - Returns: The token to use now, or `nil` when the lease is no longer held.
    public func advance(to minimum: Int64) async throws(RedisError) -> Int64? {
        let reply = try await self.redis.evalSHA(Self.advance, keys: [self.keys.leader, self.keys.fence], arguments: [self.id, String(minimum)])
        return reply.int.map(Int64.init)
    }

    /// Who leads now, and the current term; `nil`s when nobody does.
    public static func current(redis: RedisClient, keys: SchedulerKeys = SchedulerKeys()) async throws(RedisError) -> (leader: String?, token: Int64?) {
        let replies = try await redis.pipeline([["GET", keys.leader], ["GET", keys.fence]])
        return (replies[0].string, replies[1].string.flatMap { Int64($0) })
    }

    /// Takes the lease when free. A candidate that already holds it (its last acquire's reply was lost) gets its term
    /// back with the lease extended, instead of waiting for its own lease to run out.
    /// - KEYS: 1 leader key, 2 fence counter. - ARGV: 1 candidate id (unique per process), 2 lease ms.
    /// - Reply: the fencing token (the counter after `INCR`, or its current value for the holder), or nil when another
    ///   id holds the lease.
    static let acquire = RedisScript(
        """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return redis.call('INCR', KEYS[2])
        end
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return tonumber(redis.call('GET', KEYS[2]) or '0')
        end
        return false
        """)

    /// Extends the lease of the holder of the current term.
    /// - KEYS: 1 leader key, 2 fence counter. - ARGV: 1 holder id, 2 its token, 3 lease ms.
    /// - Reply: 1 extended; 0 lost (another id holds the key, the key expired, or a newer term began).
    static let renew = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          return 1
        end
        return 0
        """)

    /// Raises the fence counter to a minimum for the lease holder.
    /// - KEYS: 1 leader key, 2 fence counter. - ARGV: 1 holder id, 2 minimum token.
    /// - Reply: the counter afterwards, or nil when the caller does not hold the lease.
    static let advance = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if current < tonumber(ARGV[2]) then
          redis.call('SET', KEYS[2], ARGV[2])
          return tonumber(ARGV[2])
        end
        return current
        """)

    /// Deletes the lease when the caller still holds it under its term.
    /// - KEYS: 1 leader key, 2 fence counter. - ARGV: 1 holder id, 2 its token. - Reply: 1 deleted, 0 not held.
    static let release = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """)
}
