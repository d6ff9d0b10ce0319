import Redis

/// What ``QueueInspector/remove(queue:id:)`` did to one job.
public enum JobRemoval: String, Sendable, Hashable {
    /// The job was waiting (ready or scheduled), dead or finished: it left its list or set and its hash was deleted.
    case removed
    /// A worker holds the job (state `active`): nothing was touched; the run finishes on its own.
    case running
    /// Redis knows no such job.
    case absent
}

extension QueueInspector {
    /// Removes job `id` of `queue` unless a worker is running it: out of the ready list and the scheduled and dead
    /// sets, and its hash deleted (so the same id can be enqueued afresh). Used when a post is cancelled and when a
    /// cancelled post is retried.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker` (also a `WRONGTYPE` key, with nothing removed).
    public func remove(queue: String, id: JobID) async throws(JobQueueError) -> JobRemoval {
        let keys = try self.keys(queue)
        let reply = try await RedisBoundary.call("remove \(id)") {
            try await self.client.evalSHA(
                Self.removeScript, keys: [keys.ready, keys.scheduled, keys.dead, keys.job(id)], arguments: [id.description]
            ).throwingServerError()
        }
        switch reply.int {
        case 1: return .removed
        case -1: return .running
        default: return .absent
        }
    }

    /// Whether Redis holds anything of `queue`: a job in one of its lists or sets, its counters or its paused flag.
    /// - Throws: ``JobQueueError`` `invalidQueueName` or `broker`.
    public func exists(queue: String) async throws(JobQueueError) -> Bool {
        let keys = try self.keys(queue)
        let reply = try await self.pipeline(
            "exists \(queue)", [["EXISTS", keys.ready, keys.active, keys.lease, keys.scheduled, keys.dead, keys.stats, keys.paused]])
        return (reply[0].int ?? 0) > 0
    }

    /// Remove one job that is not running.
    /// KEYS[1] ready list, KEYS[2] scheduled zset, KEYS[3] dead zset, KEYS[4] the job's hash. ARGV[1] job id.
    /// Reply 1: removed from ready, scheduled and dead and its hash deleted (also when only a stray list entry or only
    /// the hash was left). Reply -1: the hash says `active`; nothing touched. Reply 0: nothing of the job exists. An
    /// error reply `WRONGTYPE …`, with nothing written, when a key holds another type.
    static let removeScript = RedisScript(
        """
        \(LuaScripts.wrongTypeFunction)
        local problem = wrongType(KEYS[1], 'list') or wrongType(KEYS[2], 'zset') or wrongType(KEYS[3], 'zset') or wrongType(KEYS[4], 'hash')
        if problem then return redis.error_reply(problem) end
        if redis.call('HGET', KEYS[4], '\(JobHashField.state)') == 'active' then
          return -1
        end
        local removed = redis.call('LREM', KEYS[1], 0, ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
          + redis.call('ZREM', KEYS[3], ARGV[1]) + redis.call('DEL', KEYS[4])
        if removed > 0 then return 1 end
        return 0
        """)
}
