import CoreMetrics
import Domain
public import Foundation
import JobQueue
import Publishing
public import Redis

/// The figures the leading scheduler publishes every ``SchedulerConfiguration/statusInterval``: to the
/// `reelay:scheduler:status` hash (read by `/readyz`, `reelay queue stats` and `reelay status`) and as gauges.
///
/// - `lag_ms`: how long the oldest due item has waited to fire — a `scheduled` post in PostgreSQL not yet loaded, or a
///   job in a queue's scheduled set not yet promoted (0 when nothing due waits); gauge `reelay.scheduler.lag_seconds`.
/// - `stuck_past_due`: posts no worker holds yet whose run time passed more than a minute ago; gauge
///   `reelay.scheduler.stuck_past_due`.
/// - `recorder_lag_ms`: age of the oldest result in the queues' results streams that the recorder has not applied;
///   gauge `reelay.recorder.lag_seconds`.
/// - gauge `reelay.accounts` (dimension `status`): accounts per status, so an alert can fire on `needs_reauth`.
struct SchedulerStatus: Sendable {
    let repository: SchedulerRepository
    let redis: RedisClient
    let clock: RedisClock
    let keys: SchedulerKeys
    let queues: [String]
    let recorderGroup: String
    let fence: SchedulerFence
    let interval: Duration

    func publish() async throws {
        let now = try await self.clock.now()
        let health = try await self.repository.health(now: now)
        var oldestDue = health.oldestDueScheduled
        for queue in self.queues {
            let first = try await self.redis.send(["ZRANGE", try QueueKeys(queue: queue).scheduled, "0", "0", "WITHSCORES"])
            if let score = first.array?.last?.string.flatMap(Double.init) {
                let due = Date(timeIntervalSince1970: score / 1000)
                if due <= now { oldestDue = min(oldestDue ?? due, due) }
            }
        }
        let lag = oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0
        let recorderLag = try await Self.recorderLag(redis: self.redis, queues: self.queues, group: self.recorderGroup, now: now)
        let ms = Int64(now.timeIntervalSince1970 * 1000)
        let ttl = String(max(self.interval.components.seconds * 10_000, 10_000))
        _ = try await self.redis.pipeline([
            RedisCommand([
                "HSET", self.keys.status, "leader", self.fence.leader, "fencing_token", String(self.fence.token), "lag_ms", String(Int64(lag * 1000)),
                "stuck_past_due", String(health.stuckPastDue), "recorder_lag_ms", String(Int64(recorderLag * 1000)), "updated_ms", String(ms),
            ]),
            RedisCommand(["PEXPIRE", self.keys.status, ttl]),
        ])
        Gauge(label: "reelay.scheduler.leader").record(1)
        Gauge(label: "reelay.scheduler.lag_seconds").record(lag)
        Gauge(label: "reelay.scheduler.stuck_past_due").record(health.stuckPastDue)
        Gauge(label: "reelay.recorder.lag_seconds").record(recorderLag)
        for (status, count) in try await self.repository.accountCounts() {
            Gauge(label: "reelay.accounts", dimensions: [("status", status.rawValue)]).record(count)
        }
    }

    /// Age in seconds of the oldest results-stream entry the recorder's group has not acknowledged (pending in the group,
    /// or not delivered yet); 0 when it is up to date or has no group yet.
    static func recorderLag(redis: RedisClient, queues: [String], group: String, now: Date) async throws -> TimeInterval {
        var oldest: Int64?
        for queue in queues {
            let stream = try QueueKeys(queue: queue).results
            guard let groups = try await Self.groups(of: stream, redis: redis) else { continue }
            var lastDelivered: String?
            for entry in groups.array ?? [] {
                let fields = entry.array ?? []
                var pairs: [String: RedisValue] = [:]
                for index in stride(from: 0, to: fields.count - 1, by: 2) { pairs[fields[index].string ?? ""] = fields[index + 1] }
                if pairs["name"]?.string == group { lastDelivered = pairs["last-delivered-id"]?.string }
            }
            guard let lastDelivered else { continue }
            let pending = try await redis.send(["XPENDING", stream, group])
            if let smallest = pending.array.flatMap({ $0.count >= 2 ? $0[1].string : nil }), let ms = Self.milliseconds(smallest) {
                oldest = min(oldest ?? ms, ms)
            }
            let undelivered = try await redis.send(["XRANGE", stream, "(" + lastDelivered, "+", "COUNT", "1"])
            if let id = undelivered.array?.first?.array?.first?.string, let ms = Self.milliseconds(id) {
                oldest = min(oldest ?? ms, ms)
            }
        }
        guard let oldest else { return 0 }
        return max(0, now.timeIntervalSince1970 - Double(oldest) / 1000)
    }

    /// `XINFO GROUPS` of `stream`; `nil` when there is no such stream yet.
    static func groups(of stream: String, redis: RedisClient) async throws -> RedisValue? {
        let result: Result<RedisValue, RedisError>
        do {
            result = .success(try await redis.send(["XINFO", "GROUPS", stream]))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let value): return value
        case .failure(let error) where error.code == .server: return nil
        case .failure(let error): throw error
        }
    }

    /// The time part of a stream id (`ms-seq`).
    static func milliseconds(_ streamID: String) -> Int64? {
        streamID.split(separator: "-").first.flatMap { Int64($0) }
    }
}
