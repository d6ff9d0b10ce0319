public import Foundation
public import Redis

/// A fixed cap per local calendar day, for example ~15 posts a day per creator, counted in the account's own time zone.
///
/// The counter's key holds the local date (`…:day:2026-11-25`) and expires an hour after that local day ends, so a new
/// day starts from zero without any clean-up. Days are computed with `Calendar` in the zone, so a 23- or 25-hour day at
/// a daylight-saving change ends at the right instant.
public struct DailyCap: Sendable {
    /// The Redis the counters live in.
    public let client: RedisClient
    /// The key prefix (default `reelay`).
    public let prefix: String
    /// How long a day's counter outlives the day (clock skew between hosts). Default 1 hour.
    public var margin: Duration = .seconds(3600)
    /// Redis's time, which picks the local day when a call passes no `now` (so every host counts the same day).
    public let clock: RedisClock

    /// A cap over `client`, with keys under `prefix`.
    public init(client: RedisClient, prefix: String = "reelay") {
        self.client = client
        self.prefix = prefix
        self.clock = RedisClock(client: client)
    }

    /// `now`, or Redis's time when it is nil.
    private func time(_ now: Date?) async throws(JobQueueError) -> Date {
        if let now { return now }
        return try await self.clock.now()
    }

    /// Reserves one unit of `key`'s `cap` for the local day of `now` (Redis's time when nil) in `timeZone` (an IANA
    /// name such as `Europe/Berlin`).
    /// - Returns: ``RateDecision/granted``, or ``RateDecision/denied(retryAt:)`` at the next local midnight.
    /// - Throws: ``JobQueueError`` `invalidArgument` (bad key or zone, `cap` < 0) or `broker`.
    public func reserve(key: String, cap: Int, timeZone: String, now: Date? = nil) async throws(JobQueueError) -> RateDecision {
        guard cap >= 0 else { throw JobQueueError(.invalidArgument, detail: "daily cap of \(key): \(cap) (need ≥ 0)") }
        let now = try await self.time(now)
        let day = try LocalDay(containing: now, timeZone: timeZone)
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let ttl = Int64((day.end.timeIntervalSince(now) * 1000).rounded(.up)) + self.margin.wholeMilliseconds
        let reply = try await RedisBoundary.call("reserve \(key)") {
            try await self.client.evalSHA(Self.reserveScript, keys: [keys.day(day.label)], arguments: [String(cap), String(max(ttl, 1))])
        }
        guard let parts = reply.array, parts.count == 2, let granted = parts[0].int else {
            throw JobQueueError(.broker, detail: "reserve \(key): unexpected reply \(reply)")
        }
        return granted == 1 ? .granted : .denied(retryAt: day.end)
    }

    /// How many units of `key` the local day of `now` has used.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    public func used(key: String, timeZone: String, now: Date? = nil) async throws(JobQueueError) -> Int {
        let day = try LocalDay(containing: try await self.time(now), timeZone: timeZone)
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        let reply = try await RedisBoundary.call("count \(key)") { try await self.client.send(["GET", keys.day(day.label)]) }
        return reply.int ?? 0
    }

    /// Gives back one unit of the local day of `now` (the post it paid for was not made); never goes below zero.
    /// - Throws: ``JobQueueError`` `invalidArgument` or `broker`.
    public func release(key: String, timeZone: String, now: Date? = nil) async throws(JobQueueError) {
        let day = try LocalDay(containing: try await self.time(now), timeZone: timeZone)
        let keys = try LimitKeys(key: key, prefix: self.prefix)
        _ = try await RedisBoundary.call("release \(key)") {
            try await self.client.evalSHA(Self.releaseScript, keys: [keys.day(day.label)], arguments: [])
        }
    }

    // MARK: - Scripts

    /// Reserve one unit of a day's cap.
    /// KEYS[1] the day's counter. ARGV[1] cap, ARGV[2] TTL (ms): until the local day ends, plus the margin.
    /// Reply {1, used} after counting one more (and setting the TTL), or {0, used} when `used` already reached the cap.
    static let reserveScript = RedisScript(
        """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used >= tonumber(ARGV[1]) then
          return {0, used}
        end
        used = redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return {1, used}
        """)

    /// Give back one unit of a day's cap.
    /// KEYS[1] the day's counter. No ARGV. Reply: the count after, never below zero (a missing key stays missing).
    static let releaseScript = RedisScript(
        """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used <= 0 then
          return 0
        end
        return redis.call('DECR', KEYS[1])
        """)
}

/// One calendar day in a time zone: its label and the instant it ends (the next local midnight).
struct LocalDay: Sendable, Hashable {
    /// `yyyy-MM-dd`, the local date.
    let label: String
    /// The first instant of the local day.
    let start: Date
    /// The first instant of the next local day.
    let end: Date

    /// The local day holding `date` in the zone named `timeZone`.
    /// - Throws: ``JobQueueError`` `invalidArgument` for an unknown zone name.
    init(containing date: Date, timeZone identifier: String) throws(JobQueueError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw JobQueueError(.invalidArgument, detail: "unknown time zone '\(identifier.prefix(64))': use an IANA name such as Europe/Berlin")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: date)
        // Noon of the same day plus one day is never in a daylight-saving gap; its start of day is the next midnight
        // (or the first instant of that day where midnight is skipped).
        let noon = calendar.date(byAdding: .hour, value: 12, to: start) ?? start.addingTimeInterval(12 * 3600)
        let nextNoon = calendar.date(byAdding: .day, value: 1, to: noon) ?? noon.addingTimeInterval(86_400)
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.label = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        self.start = start
        self.end = calendar.startOfDay(for: nextNoon)
    }
}
