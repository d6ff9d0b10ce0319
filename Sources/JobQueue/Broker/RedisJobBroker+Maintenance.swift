public import Foundation
import Redis

extension RedisJobBroker {
    // MARK: - Maintenance

    public func promoteDue(queue: String, now: Date, limit: Int) async throws -> (moved: Int, nextDue: Date?) {
        let keys = try self.keys(queue)
        guard (1...10_000).contains(limit) else { throw JobQueueError(.invalidArgument, detail: "promote limit \(limit) outside 1…10000") }
        let nowText = String(now.epochMilliseconds)
        let candidates = try await self.redis("promote") {
            try await self.client.send(["ZRANGEBYSCORE", keys.scheduled, "-inf", nowText, "LIMIT", "0", String(limit)])
        }
        let ids = self.jobIDs(candidates)
        let reply = try await self.eval(
            "promote", LuaScripts.promote, keys: [keys.scheduled, keys.ready] + ids.map(keys.job), arguments: [nowText] + ids.map(\.description))
        guard let fields = reply.array, fields.count == 2, let moved = fields[0].int else {
            throw JobQueueError(.broker, detail: "promote: unexpected reply \(reply)")
        }
        return (moved, fields[1].string.flatMap(Double.init).map { Date(epochMilliseconds: Int64($0)) })
    }

    public func waitForEarlierSchedule(queue: String, timeout: Duration) async throws -> Bool {
        let keys = try self.keys(queue)
        let milliseconds = min(max(timeout.wholeMilliseconds, 1), 2000)
        let reply = try await self.redis("wait for schedule") {
            try await self.client.blocking(["BLPOP", keys.wake, String(Double(milliseconds) / 1000)])
        }
        return reply.array != nil
    }

    public func recoverExpiredLeases(queue: String, now: Date, maxStalls: Int, orphanGrace: Duration) async throws -> [JobID] {
        let keys = try self.keys(queue)
        guard maxStalls >= 0 else { throw JobQueueError(.invalidArgument, detail: "maxStalls \(maxStalls) below 0") }
        let nowText = String(now.epochMilliseconds)
        let expired = self.jobIDs(
            try await self.redis("recover") {
                try await self.client.send(["ZRANGEBYSCORE", keys.lease, "-inf", nowText, "LIMIT", "0", String(Self.recoveryWindow)])
            })
        var recovered: [JobID] = []
        if !expired.isEmpty {
            // The unique lock of an expired job is needed in KEYS in case it dies; the field never changes, so read it first.
            let uniqueKeys = try await self.pipeline("recover", expired.map { RedisCommand(["HGET", keys.job($0), JobHashField.uniqueKey]) })
            let commands = zip(expired, uniqueKeys).map { id, uniqueKey in
                RedisCommand.evalSHA(
                    LuaScripts.recoverExpired,
                    keys: [keys.lease, keys.active, keys.ready, keys.dead, keys.stats, keys.results, keys.job(id)]
                        + (uniqueKey.string.map { [keys.unique($0)] } ?? []),
                    arguments: [id.description, nowText, String(maxStalls), String(self.resultsMaxLength)])
            }
            let replies = try await self.pipeline("recover", commands)
            recovered += zip(expired, replies).filter { $0.1 == .integer(1) || $0.1 == .integer(2) }.map(\.0)
        }
        recovered += try await self.recoverOrphans(keys: keys, now: nowText, grace: orphanGrace)
        return recovered
    }

    /// Entries of `active` (and expired leases) looked at per script call of the recoverer.
    static let recoveryWindow = 1_000
    /// Windows of `active` one recovery pass looks at, at most: a longer list is walked over several passes, from the
    /// cursor the last pass left in Redis.
    static let recoveryWindowsPerPass = 20

    /// Walks `active` from the stored cursor, a window per script call, until the end of the list or the pass's limit.
    private func recoverOrphans(keys: QueueKeys, now: String, grace: Duration) async throws -> [JobID] {
        var recovered: [JobID] = []
        for _ in 0..<Self.recoveryWindowsPerPass {
            let reply = try await self.eval(
                "recover", LuaScripts.recoverOrphans,
                keys: [keys.lease, keys.active, keys.ready, keys.stats, keys.results, keys.recoverCursor],
                arguments: [
                    now, String(max(grace.wholeMilliseconds, 0)), String(Self.recoveryWindow), keys.jobKeyPrefix,
                    String(self.resultsMaxLength),
                ])
            guard let parts = reply.array, let wrapped = parts.first?.int else {
                throw JobQueueError(.broker, detail: "recover: unexpected reply \(reply)")
            }
            recovered += self.jobIDs(.array(Array(parts.dropFirst())))
            if wrapped == 1 { break }
        }
        return recovered
    }

    public func applyRetention(queue: String, completedFor: Duration, deadFor: Duration, deadLimit: Int, now: Date) async throws {
        let keys = try self.keys(queue)
        guard deadLimit >= 0 else { throw JobQueueError(.invalidArgument, detail: "deadLimit \(deadLimit) below 0") }
        let cutoff = String(now.epochMilliseconds - deadFor.wholeMilliseconds)
        let batch = 500
        // Bounded: each round deletes at least one entry or stops.
        for _ in 0..<1_000 {
            let reads = try await self.pipeline(
                "retention",
                [
                    RedisCommand(["ZRANGEBYSCORE", keys.dead, "-inf", cutoff, "LIMIT", "0", String(batch)]),
                    RedisCommand(["ZCARD", keys.dead]),
                ])
            let over = min((reads[1].int ?? 0) - deadLimit, batch)
            var ids = self.jobIDs(reads[0])
            if over > 0 {
                let oldest = try await self.redis("retention") { try await self.client.send(["ZRANGE", keys.dead, "0", String(over - 1)]) }
                for id in self.jobIDs(oldest) where !ids.contains(id) { ids.append(id) }
            }
            guard !ids.isEmpty else { return }
            let removed = try await self.eval(
                "retention", LuaScripts.trimDead, keys: [keys.dead] + ids.map(keys.job),
                arguments: [cutoff, String(deadLimit)] + ids.map(\.description))
            guard (removed.int ?? 0) > 0 else { return }
        }
    }

    public func setPaused(_ paused: Bool, queue: String) async throws {
        let keys = try self.keys(queue)
        _ = try await self.redis("pause") { try await self.client.send(paused ? ["SET", keys.paused, "1"] : ["DEL", keys.paused]) }
    }

    /// Trims the results stream of `queue` to the oldest entry that consumer `group` has not acknowledged: entries it
    /// has read and acknowledged go; pending and unread ones stay. Without such a group the stream is left alone.
    /// - Returns: How many entries were deleted.
    @discardableResult
    public func trimResults(queue: String, group: String) async throws -> Int {
        let keys = try self.keys(queue)
        let groups = try await self.redis("trim results") { () async throws -> RedisValue in
            do {
                return try await self.client.send(["XINFO", "GROUPS", keys.results])
            } catch let error as RedisError where error.code == .server {
                return .array([])  // no stream yet
            }
        }
        var lastDelivered: String?
        for entry in groups.array ?? [] {
            let fields = entry.array ?? []
            let pairs = stride(from: 0, to: fields.count - 1, by: 2).map { (fields[$0].string ?? "", fields[$0 + 1]) }
            if pairs.first(where: { $0.0 == "name" })?.1.string == group {
                lastDelivered = pairs.first(where: { $0.0 == "last-delivered-id" })?.1.string
            }
        }
        guard let lastDelivered, let next = Self.streamID(after: lastDelivered) else { return 0 }
        let pending = try await self.redis("trim results") { try await self.client.send(["XPENDING", keys.results, group]) }
        let oldestPending = pending.array.flatMap { $0.count >= 2 ? $0[1].string : nil }
        let trimmed = try await self.redis("trim results") {
            try await self.client.send(["XTRIM", keys.results, "MINID", oldestPending ?? next])
        }
        return trimmed.int ?? 0
    }

    /// The stream id right after `id` (`ms-seq` → `ms-(seq+1)`).
    static func streamID(after id: String) -> String? {
        let parts = id.split(separator: "-")
        guard parts.count == 2, let ms = UInt64(parts[0]), let seq = UInt64(parts[1]) else { return nil }
        return seq == .max ? "\(ms + 1)-0" : "\(ms)-\(seq + 1)"
    }

    /// The job ids in an array reply (entries that are not ids are skipped).
    func jobIDs(_ reply: RedisValue) -> [JobID] {
        (reply.array ?? []).compactMap { $0.string.flatMap { try? JobID(parsing: $0) } }
    }
}
