public import Foundation
public import Redis

/// The operator's view of the queues (`reelay queue …`): reads the key layout of ``QueueKeys`` and the fields of
/// ``JobHashField`` directly, and changes state only through its own scripts (retrying and purging dead jobs) and the
/// paused flag. It never takes or finishes jobs; that is the broker's business.
public struct QueueInspector: Sendable {
    /// The Redis the queues live in.
    public let client: RedisClient
    /// The key prefix (default `reelay`).
    public let prefix: String
    /// How many jobs one round trip handles when retrying or purging all dead jobs. Default 200.
    public var batchSize = 200
    /// Redis's time: what to pass as `now`, so ages are measured on the clock the queue's times were written with.
    public let clock: RedisClock

    /// An inspector over `client`, with keys under `prefix`.
    public init(client: RedisClient, prefix: String = "reelay") {
        self.client = client
        self.prefix = prefix
        self.clock = RedisClock(client: client)
    }

    /// The keys of `queue`. - Throws: ``JobQueueError`` `invalidQueueName`.
    public func keys(_ queue: String) throws(JobQueueError) -> QueueKeys { try QueueKeys(queue: queue, prefix: self.prefix) }

    // MARK: - Reading

    /// Counts, counters, the paused flag and the age of the next job to run.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func stats(queue: String, now: Date) async throws(JobQueueError) -> QueueStats {
        let keys = try self.keys(queue)
        let replies = try await self.pipeline("stats \(queue)", [
            ["LLEN", keys.ready], ["ZCARD", keys.lease], ["ZCARD", keys.scheduled], ["ZCARD", keys.dead], ["EXISTS", keys.paused],
            ["HGETALL", keys.stats], ["LINDEX", keys.ready, "-1"],
        ])
        let counters = Self.pairs(replies[5]).compactMapValues { Int($0) }
        var oldestID: JobID?
        var age: Double?
        if let text = replies[6].string, let id = try? JobID(parsing: text) {
            oldestID = id
            let times = try await self.pipeline("stats \(queue)", [["HMGET", keys.job(id), JobHashField.runAt, JobHashField.enqueuedAt]])
            let fields = times[0].array ?? []
            if let since = fields.lazy.compactMap({ Milliseconds.parse($0.string) }).first {
                age = max(0, (now.timeIntervalSince(Date(epochMilliseconds: since)) * 1000).rounded() / 1000)
            }
        }
        return QueueStats(
            queue: queue, ready: replies[0].int ?? 0, active: replies[1].int ?? 0, scheduled: replies[2].int ?? 0, dead: replies[3].int ?? 0,
            paused: replies[4].int == 1, counters: QueueStats.Counters(fields: counters), oldestReadyID: oldestID, oldestReadyAgeSeconds: age)
    }

    /// The jobs of `queue` listed in `state`'s list or set, from `offset`, at most `limit`: ready oldest first
    /// (the right end of the list first), active by lease deadline (the lease set), scheduled by run-at, dead by died-at;
    /// `newestFirst` reverses the order of the scheduled and dead sets (latest run-at or died-at first).
    /// - Throws: ``JobQueueError`` `invalidQueueName`, `invalidArgument` (`completed` is not indexed, a negative
    ///   offset, a limit outside 1…10 000) or `broker`.
    public func list(
        queue: String, state: JobState, offset: Int = 0, limit: Int = 50, newestFirst: Bool = false
    ) async throws(JobQueueError) -> [JobSummary] {
        let keys = try self.keys(queue)
        guard offset >= 0, (1...10_000).contains(limit) else {
            throw JobQueueError(.invalidArgument, detail: "offset \(offset), limit \(limit): need offset ≥ 0 and a limit from 1 to 10000")
        }
        let entries = try await self.listed(keys: keys, state: state, offset: offset, limit: limit, newestFirst: newestFirst)
        guard !entries.isEmpty else { return [] }
        let fields = [JobHashField.state, JobHashField.name, JobHashField.attempt, JobHashField.maxAttempts, JobHashField.enqueuedAt, JobHashField.lastError]
        let commands = entries.map { ["HMGET", keys.job($0.id)] + fields }
        let replies = try await self.pipeline("list \(queue)", commands)
        return entries.enumerated().map { index, entry in
            let values = (replies[index].array ?? []).map(\.string)
            let value = { (position: Int) in position < values.count ? values[position] : nil }
            let score = entry.score
            return JobSummary(
                id: entry.id, listedIn: state, state: value(0), name: value(1), attempt: value(2).flatMap { Int($0) },
                maxAttempts: value(3).flatMap { Int($0) }, enqueuedAt: Milliseconds.parse(value(4)).map { Date(epochMilliseconds: $0) },
                scoredAt: score.map { Date(epochMilliseconds: $0) }, lastError: value(5))
        }
    }

    /// Everything Redis holds about job `id` of `queue`, or `nil` when it has no hash.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func job(queue: String, id: JobID) async throws(JobQueueError) -> JobDetail? {
        let keys = try self.keys(queue)
        let member = id.description
        let replies = try await self.pipeline("show \(id)", [
            ["HGETALL", keys.job(id)], ["LPOS", keys.ready, member], ["LPOS", keys.active, member], ["ZSCORE", keys.scheduled, member],
            ["ZSCORE", keys.dead, member], ["ZSCORE", keys.lease, member],
        ])
        let fields = Self.pairs(replies[0])
        guard !fields.isEmpty else { return nil }
        let places = ["ready", "active", "scheduled", "dead", "lease"]
        let foundIn = places.enumerated().filter { !replies[$0.offset + 1].isNull }.map(\.element)
        let score = { (index: Int) in Milliseconds.parse(replies[index].string).map { Date(epochMilliseconds: $0) } }
        return JobDetail(id: id, queue: queue, fields: fields, foundIn: foundIn, leaseUntil: score(5), scheduledFor: score(3), diedAt: score(4))
    }

    // MARK: - Steering

    /// Pauses (`SET paused 1`) or resumes (`DEL paused`) `queue`: workers stop or restart taking jobs; running jobs finish.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func setPaused(queue: String, paused: Bool) async throws(JobQueueError) {
        let keys = try self.keys(queue)
        _ = try await RedisBoundary.call(paused ? "pause \(queue)" : "resume \(queue)") {
            try await self.client.send(paused ? ["SET", keys.paused, "1"] : ["DEL", keys.paused])
        }
    }

    // MARK: - Helpers

    /// One id found in a list or set, with its score in a set.
    struct Entry {
        var id: JobID
        var score: Int64?
    }

    /// The ids of `state`'s list or set in the order ``list(queue:state:offset:limit:)`` documents; malformed ids are
    /// skipped.
    func listed(keys: QueueKeys, state: JobState, offset: Int, limit: Int, newestFirst: Bool = false) async throws(JobQueueError) -> [Entry] {
        switch state {
        case .ready:
            let reply = try await self.pipeline("list \(keys.queue)", [["LRANGE", keys.ready, String(-(offset + limit)), String(-(offset + 1))]])
            return (reply[0].array ?? []).reversed().compactMap { value in (try? JobID(parsing: value.string ?? "")).map { Entry(id: $0) } }
        case .active, .scheduled, .dead:
            let set = state == .active ? keys.lease : state == .scheduled ? keys.scheduled : keys.dead
            let range = ["ZRANGE", set, String(offset), String(offset + limit - 1)] + (newestFirst && state != .active ? ["REV"] : []) + ["WITHSCORES"]
            let reply = try await self.pipeline("list \(keys.queue)", [range])
            let flat = reply[0].array ?? []
            return stride(from: 0, to: flat.count - 1, by: 2).compactMap { index in
                (try? JobID(parsing: flat[index].string ?? "")).map { Entry(id: $0, score: Milliseconds.parse(flat[index + 1].string)) }
            }
        case .completed:
            throw JobQueueError(.invalidArgument, detail: "completed jobs are not listed in any set; use `show ID`")
        }
    }

    /// Sends `commands` in one round trip; an error reply in any slot fails the call.
    func pipeline(_ operation: String, _ commands: [[String]]) async throws(JobQueueError) -> [RedisValue] {
        try await RedisBoundary.call(operation) {
            try await self.client.pipeline(commands).map { value throws(RedisError) in try value.throwingServerError() }
        }
    }

    /// The field/value pairs of an `HGETALL` reply.
    static func pairs(_ reply: RedisValue) -> [String: String] {
        let flat = reply.array ?? []
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let value = flat[index + 1].string { fields[name] = value }
        }
        return fields
    }
}
