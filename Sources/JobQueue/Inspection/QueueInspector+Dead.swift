public import Foundation
import Redis

extension QueueInspector {
    /// Puts dead jobs back at the tail of the ready list (they run after the jobs already waiting): state `ready`,
    /// attempt 0, the last error kept, `retried` counted. An id no longer dead (already retried, purged) is skipped, and
    /// so is one whose hash is gone (it stays in the dead set for ``purgeDead(queue:)``).
    /// - Parameters:
    ///   - ids: The jobs to retry; `nil` retries every dead job, ``batchSize`` per round trip.
    /// - Returns: How many jobs went back to ready.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func retryDead(queue: String, ids: [JobID]?, now: Date) async throws(JobQueueError) -> Int {
        let keys = try self.keys(queue)
        let nowText = String(now.epochMilliseconds)
        let retry = { (ids: [JobID]) -> [RedisCommand] in
            ids.map { id in
                RedisCommand.evalSHA(Self.retryDeadScript, keys: [keys.dead, keys.ready, keys.job(id), keys.stats], arguments: [id.description, nowText])
            }
        }
        if let ids {
            var retried = 0
            for start in stride(from: 0, to: ids.count, by: self.batchSize) {
                let batch = Array(ids[start..<min(ids.count, start + self.batchSize)])
                retried += try await self.run("retry \(queue)", retry(batch)).filter { $0 == 1 }.count
            }
            return retried
        }
        var retried = 0
        var skipped = 0
        while true {
            let batch = try await self.deadIDs(keys, from: skipped)
            guard !batch.isEmpty else { return retried }
            let outcomes = try await self.run("retry \(queue)", retry(batch))
            retried += outcomes.filter { $0 == 1 }.count
            skipped += outcomes.filter { $0 == -1 }.count
        }
    }

    /// Deletes every dead job of `queue`: its hash and its dead-set entry, ``batchSize`` per round trip. A job retried
    /// meanwhile is left alone.
    /// - Returns: How many jobs were deleted.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func purgeDead(queue: String) async throws(JobQueueError) -> Int {
        let keys = try self.keys(queue)
        var purged = 0
        while true {
            let batch = try await self.deadIDs(keys, from: 0)
            guard !batch.isEmpty else { return purged }
            let commands = batch.map { RedisCommand.evalSHA(Self.purgeDeadScript, keys: [keys.dead, keys.job($0)], arguments: [$0.description]) }
            purged += try await self.run("purge \(queue)", commands).filter { $0 == 1 }.count
        }
    }

    // MARK: - Helpers

    /// Up to ``batchSize`` dead ids from position `from`, oldest first. Malformed members are removed on the way:
    /// no job can have them, and leaving them would stop a batch loop from ending.
    private func deadIDs(_ keys: QueueKeys, from: Int) async throws(JobQueueError) -> [JobID] {
        let reply = try await self.pipeline("dead \(keys.queue)", [["ZRANGE", keys.dead, String(from), String(from + self.batchSize - 1)]])
        let members = (reply[0].array ?? []).compactMap(\.string)
        let malformed = members.filter { (try? JobID(parsing: $0)) == nil }
        if !malformed.isEmpty { _ = try await self.pipeline("dead \(keys.queue)", [["ZREM", keys.dead] + malformed]) }
        return members.compactMap { try? JobID(parsing: $0) }
    }

    /// Runs script `commands` in one round trip and returns their integer replies.
    private func run(_ operation: String, _ commands: [RedisCommand]) async throws(JobQueueError) -> [Int] {
        try await RedisBoundary.call(operation) {
            try await self.client.pipeline(commands).map { value throws(RedisError) in try value.throwingServerError().asInt() }
        }
    }

    // MARK: - Scripts

    /// Retry one dead job.
    /// KEYS[1] dead zset, KEYS[2] ready list, KEYS[3] the job's hash, KEYS[4] stats hash.
    /// ARGV[1] job id, ARGV[2] now (ms).
    /// Reply 1: moved from dead to the tail of ready (LPUSH; the head is the right end), hash state `ready`, attempt 0,
    /// run_at now, lease and finish fields cleared, stats `retried` + 1. Reply 0: not in the dead set. Reply -1: in the
    /// dead set but its hash is gone (left for purging).
    static let retryDeadScript = RedisScript(
        """
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          return 0
        end
        if redis.call('EXISTS', KEYS[3]) == 0 then
          return -1
        end
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('HSET', KEYS[3], 'state', 'ready', 'attempt', '0', 'run_at', ARGV[2])
        redis.call('HDEL', KEYS[3], 'owner', 'token', 'leased_at', 'finished_at', 'stalls')
        redis.call('LPUSH', KEYS[2], ARGV[1])
        redis.call('HINCRBY', KEYS[4], 'retried', 1)
        return 1
        """)

    /// Delete one dead job.
    /// KEYS[1] dead zset, KEYS[2] the job's hash. ARGV[1] job id.
    /// Reply 1: removed from the dead set and its hash deleted; 0: not in the dead set (nothing touched).
    static let purgeDeadScript = RedisScript(
        """
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
          return 0
        end
        redis.call('DEL', KEYS[2])
        return 1
        """)
}
