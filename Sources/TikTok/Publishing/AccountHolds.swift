public import Foundation
public import Redis

/// Account-wide stops that TikTok asked for (cooldown after the daily post cap, a posting ban, a token that no longer
/// works), kept in Redis as `reelay:account:{<id>}:hold` with an expiry, so every worker's jobs for that account wait
/// or stop without calling TikTok again.
public struct AccountHolds: Sendable {
    /// Why an account is on hold.
    public enum Reason: String, Sendable, Hashable {
        /// Waits, then posting resumes (`spam_risk_too_many_posts`, pending drafts, client cap).
        case cooldown
        /// Posting stops until an operator acts (`spam_risk_user_banned_from_posting`).
        case restricted
        /// The owner must connect the account again (token refused, scope missing).
        case needsReauth = "needs_reauth"
    }

    /// A hold and when it ends.
    public struct Hold: Sendable, Hashable {
        public var reason: Reason
        public var until: Date
    }

    let redis: RedisClient
    let prefix: String

    /// Holds in `redis` under `prefix`.
    public init(redis: RedisClient, prefix: String = "reelay") {
        self.redis = redis
        self.prefix = prefix
    }

    func key(_ account: String) -> String { "\(self.prefix):account:{\(account.lowercased())}:hold" }

    /// Puts `account` on hold for `duration`, unless a longer hold is already there.
    public func hold(_ account: String, reason: Reason, for duration: Duration) async throws {
        let ms = max(duration.milliseconds, 1)
        _ = try await self.redis.send(["SET", self.key(account), reason.rawValue, "PX", String(ms), "NX"])
    }

    /// The account's current hold, if any.
    public func current(_ account: String, now: Date = Date()) async throws -> Hold? {
        let replies = try await self.redis.pipeline([["GET", self.key(account)], ["PTTL", self.key(account)]])
        guard let text = replies[0].string, let reason = Reason(rawValue: text), let ttl = replies[1].int, ttl > 0 else { return nil }
        return Hold(reason: reason, until: now.addingTimeInterval(Double(ttl) / 1000))
    }

    /// Lifts a `needs_reauth` hold: the owner connected the account again (or new tokens were imported), which is
    /// what that hold waits for. A `cooldown` or `restricted` hold stays: TikTok set those, and a new token does not
    /// lift them. Returns whether a hold was lifted.
    @discardableResult
    public func clearNeedsReauth(_ account: String) async throws -> Bool {
        try await self.redis.evalSHA(Self.deleteIfReason, keys: [self.key(account)], arguments: [Reason.needsReauth.rawValue]).int == 1
    }

    /// Deletes the hold only if its reason is the given one.
    ///
    /// - KEYS: 1 the hold.
    /// - ARGV: 1 the reason to lift.
    /// - Reply: 1 deleted; 0 no hold, or another reason.
    static let deleteIfReason = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
    )
}
