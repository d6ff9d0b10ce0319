public import Foundation
public import Redis

/// What the leading scheduler last published, as read back from Redis.
public struct SchedulerReport: Sendable, Hashable {
    /// The process holding the lease now (`nil`: nobody leads).
    public var leader: String?
    /// The current fencing token.
    public var fencingToken: Int64?
    /// See ``SchedulerStatus``; `nil` when nothing was published recently.
    public var lagMilliseconds: Int64?
    /// Posts stuck past due by more than a minute.
    public var stuckPastDue: Int64?
    /// Age of the oldest unapplied result.
    public var recorderLagMilliseconds: Int64?
    /// Milliseconds since the figures were published (Redis's clock).
    public var updatedMillisecondsAgo: Int64?

    /// `no_leader`, `stale` (figures older than ten seconds), `lagging` (due work waits over a second) or `ok`.
    public var state: String {
        guard self.leader != nil else { return "no_leader" }
        guard let age = self.updatedMillisecondsAgo, age <= 10_000 else { return "stale" }
        return (self.lagMilliseconds ?? 0) > 1000 ? "lagging" : "ok"
    }

    /// Reads the lease and the status hash.
    public static func read(redis: RedisClient, now: Date, keys: SchedulerKeys = SchedulerKeys()) async throws(RedisError) -> SchedulerReport {
        let replies = try await redis.pipeline([["GET", keys.leader], ["HGETALL", keys.status]])
        var fields: [String: String] = [:]
        let flat = replies[1].array ?? []
        for index in stride(from: 0, to: flat.count - 1, by: 2) { fields[flat[index].string ?? ""] = flat[index + 1].string }
        let updated = fields["updated_ms"].flatMap { Int64($0) }
        return SchedulerReport(
            leader: replies[0].string, fencingToken: fields["fencing_token"].flatMap { Int64($0) },
            lagMilliseconds: fields["lag_ms"].flatMap { Int64($0) }, stuckPastDue: fields["stuck_past_due"].flatMap { Int64($0) },
            recorderLagMilliseconds: fields["recorder_lag_ms"].flatMap { Int64($0) },
            updatedMillisecondsAgo: updated.map { max(0, Int64(now.timeIntervalSince1970 * 1000) - $0) })
    }
}
