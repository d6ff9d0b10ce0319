public import Foundation
public import Logging
import Redis

/// Jobs a queue saw in one minute: the difference of its `stats` counters between the snapshot of that minute and the
/// next one (or the live counters, for the current minute).
public struct QueueMinute: Sendable, Hashable, Codable {
    /// The minute's start (UTC, Redis's clock).
    public var at: Date
    /// Counts in that minute; all zero when no snapshot covers it (no API process ran, or the queue was idle-new).
    public var enqueued = 0, completed = 0, failed = 0, retried = 0, dead = 0
    /// False when a snapshot the minute needs is missing, so the zeros mean "unknown", not "nothing happened".
    public var known = false

    public init(at: Date) { self.at = at }
}

/// Per-minute throughput of a queue over the last hours, for the dashboard's charts, without touching the hot path:
/// instead of a counter per minute that every job would increment, snapshots of the existing `stats` hash are taken
/// once a minute (by whichever process runs ``MaintenanceLoop/queueHistory(inspector:configuration:interval:logger:)``
/// first in that minute: several API processes write one snapshot between them) into `reelay:{q}:history`.
extension QueueInspector {
    /// How many minutes of snapshots are kept.
    public static let historyMinutes = 1440

    /// Takes this minute's snapshot of `queue` unless one exists. Returns true when it wrote one.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    @discardableResult
    public func snapshotHistory(queue: String) async throws(JobQueueError) -> Bool {
        let keys = try self.keys(queue)
        let reply = try await RedisBoundary.call("history \(queue)") {
            try await self.client.evalSHA(LuaScripts.snapshotHistory, keys: [keys.stats, keys.history], arguments: [String(Self.historyMinutes)])
                .throwingServerError()
        }
        return reply.int == 1
    }

    /// The last `minutes` whole or running minutes of `queue`, oldest first, the current (running) minute last.
    /// - Throws: ``JobQueueError`` `invalidQueueName`, `invalidArgument` (minutes outside 1…1440) or `broker`.
    public func history(queue: String, minutes: Int, now: Date) async throws(JobQueueError) -> [QueueMinute] {
        guard (1...Self.historyMinutes).contains(minutes) else { throw JobQueueError(.invalidArgument, detail: "minutes must be 1...\(Self.historyMinutes)", queue: queue) }
        let keys = try self.keys(queue)
        let current = Int(floor(now.timeIntervalSince1970 / 60))
        let first = current - minutes + 1
        let replies = try await self.pipeline("history \(queue)", [
            ["ZRANGEBYSCORE", keys.history, String(first), "+inf"], ["HGETALL", keys.stats],
        ])
        var snapshots: [Int: [Int]] = [:]
        for member in replies[0].array ?? [] {
            let parts = (member.string ?? "").split(separator: ":").compactMap { Int($0) }
            if parts.count == 6 { snapshots[parts[0]] = Array(parts[1...]) }
        }
        let live = QueueStats.Counters(fields: Self.pairs(replies[1]).compactMapValues { Int($0) })
        snapshots[current + 1] = [live.enqueued, live.completed, live.failed, live.retried, live.dead]
        return (first...current).map { minute in
            var point = QueueMinute(at: Date(timeIntervalSince1970: TimeInterval(minute * 60)))
            guard let start = snapshots[minute], let end = snapshots[minute + 1] else { return point }
            let delta = zip(end, start).map { max(0, $0 - $1) }
            point.enqueued = delta[0]
            point.completed = delta[1]
            point.failed = delta[2]
            point.retried = delta[3]
            point.dead = delta[4]
            point.known = true
            return point
        }
    }
}

extension LuaScripts {
    /// Records the first snapshot of a queue's counters in the current minute (Redis's clock) and trims old ones.
    ///
    /// - KEYS: 1 stats hash, 2 history sorted set.
    /// - ARGV: 1 minutes kept.
    /// - Reply: 1 written; 0 this minute already had one.
    static let snapshotHistory = RedisScript(
        """
        local t = redis.call('TIME')
        local minute = math.floor(tonumber(t[1]) / 60)
        if redis.call('ZCOUNT', KEYS[2], minute, minute) > 0 then return 0 end
        local c = redis.call('HMGET', KEYS[1], 'enqueued', 'completed', 'failed', 'retried', 'dead')
        local member = tostring(minute)
        for i = 1, 5 do member = member .. ':' .. (tonumber(c[i]) or 0) end
        redis.call('ZADD', KEYS[2], minute, member)
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. tostring(minute - tonumber(ARGV[1])))
        return 1
        """
    )
}

extension MaintenanceLoop {
    /// Takes each queue's minute snapshot (``QueueInspector/snapshotHistory(queue:)``) every `interval`; several
    /// processes may run it: the first in a minute writes, the others find the minute taken.
    public static func queueHistory(
        inspector: QueueInspector, configuration: MaintenanceConfiguration, interval: Duration = .seconds(10), logger: Logger
    ) -> MaintenanceLoop {
        MaintenanceLoop(name: "queue history", queues: configuration.queues, interval: interval, logger: logger) { queue in
            try await inspector.snapshotHistory(queue: queue)
            return nil
        }
    }
}
