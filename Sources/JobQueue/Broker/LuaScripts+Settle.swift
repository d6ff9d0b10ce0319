import Redis

/// Scripts a worker runs on a job it holds. Each first checks the lease token (`leased`) and changes nothing when the
/// lease was lost; each appends its event to the results stream in the same script, trimmed with `MAXLEN ~` to the
/// broker's ``RedisJobBroker/resultsMaxLength``. A held job's id is in the lease set, not in `active` (which only holds
/// ids in transit); the `LREM` of active in `fail`, `snooze` and `requeue` only drops a stale copy, and is a no-op otherwise.
extension LuaScripts {
    /// Lua: `release(lockKey, id)` deletes the unique lock when it still names this job.
    static let releaseFunction = """
        local function release(lock, id)
          if lock and redis.call('GET', lock) == id then redis.call('DEL', lock) end
        end
        """

    /// Marks several jobs of one queue completed in one call (the worker's batched acks). Per job: one read that checks
    /// the lease token and fetches the event's fields, then two writes (the hash's state, its expiry). Once per call:
    /// one `ZREM` of every completed id from the lease set, one results event for the whole batch (see
    /// ``ResultEventField``: the entry's `job`, `name` and `attempt` repeat once per job), one stats increment. The lease
    /// token stays in the completed hash: it no longer fences anything, since only an `active` job's token counts.
    ///
    /// - KEYS: 1 lease, 2 stats, 3 results, then the job hash of each job (in ARGV order), then the unique locks of the
    ///   jobs that have one.
    /// - ARGV: 1 now, 2 retention ms, 3 job count n, 4 results stream length, then per job: its id, its lease token, and
    ///   the position of its unique lock among the lock keys (0 = none).
    /// - Reply: one integer per job: 1 completed; 0 lease lost.
    static let completeMany = RedisScript(
        """
        \(releaseFunction)
        local n = tonumber(ARGV[3])
        local out, ids, event = {}, {}, {'\(E.event)', 'completed', '\(E.at)', ARGV[1]}
        for i = 1, n do
          local id, token, lock = ARGV[2 + 3 * i], ARGV[3 + 3 * i], tonumber(ARGV[4 + 3 * i])
          local key = KEYS[3 + i]
          local f = redis.call('HMGET', key, '\(F.state)', '\(F.token)', '\(F.name)', '\(F.attempt)')
          if f[1] == 'active' and f[2] == token then
            redis.call('HSET', key, '\(F.state)', 'completed', '\(F.finishedAt)', ARGV[1])
            redis.call('PEXPIRE', key, ARGV[2])
            if lock > 0 then release(KEYS[3 + n + lock], id) end
            ids[#ids + 1] = id
            local e = #event
            event[e + 1], event[e + 2], event[e + 3], event[e + 4], event[e + 5], event[e + 6] =
              '\(E.job)', id, '\(E.name)', f[3], '\(E.attempt)', f[4]
            out[i] = 1
          else
            out[i] = 0
          end
        end
        if #ids > 0 then
          redis.call('ZREM', KEYS[1], unpack(ids))
          redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', unpack(event))
          redis.call('HINCRBY', KEYS[2], 'completed', #ids)
        end
        return out
        """
    )

    /// Records a failed run: dead when permanent or out of attempts, otherwise scheduled for its retry.
    ///
    /// - KEYS: 1 active, 2 lease, 3 scheduled, 4 dead, 5 stats, 6 results, 7 job hash, 8 wake, 9 unique lock (optional).
    /// - ARGV: 1 id, 2 lease token, 3 now, 4 error message, 5 "1" when permanent, 6 retry-at, 7 results stream length.
    /// - Reply: "dead" or "scheduled"; 0 lease lost.
    static let fail = RedisScript(
        """
        \(leasedFunction)
        \(releaseFunction)
        \(scheduleFunction)
        if not leased(KEYS[7], ARGV[2]) then return 0 end
        redis.call('LREM', KEYS[1], 0, ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[7], '\(F.token)')
        redis.call('HINCRBY', KEYS[5], 'failed', 1)
        local f = redis.call('HMGET', KEYS[7], '\(F.name)', '\(F.attempt)', '\(F.maxAttempts)')
        if ARGV[5] == '1' or tonumber(f[2]) >= tonumber(f[3]) then
          redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
          redis.call('HSET', KEYS[7], '\(F.state)', 'dead', '\(F.finishedAt)', ARGV[3], '\(F.lastError)', ARGV[4])
          release(KEYS[9], ARGV[1])
          redis.call('HINCRBY', KEYS[5], 'dead', 1)
          redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[7], '*', '\(E.event)', 'dead', '\(E.job)', ARGV[1], '\(E.name)', f[1], '\(E.attempt)', f[2],
            '\(E.at)', ARGV[3], '\(E.error)', ARGV[4])
          return 'dead'
        end
        schedule(KEYS[3], KEYS[8], ARGV[6], ARGV[1])
        redis.call('HSET', KEYS[7], '\(F.state)', 'scheduled', '\(F.runAt)', ARGV[6], '\(F.lastError)', ARGV[4])
        redis.call('HINCRBY', KEYS[5], 'retried', 1)
        redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[7], '*', '\(E.event)', 'retrying', '\(E.job)', ARGV[1], '\(E.name)', f[1],
          '\(E.attempt)', f[2],
          '\(E.at)', ARGV[3], '\(E.error)', ARGV[4], '\(E.runAt)', ARGV[6])
        return 'scheduled'
        """
    )

    /// Puts a held job in the scheduled set until later and gives its attempt back.
    ///
    /// - KEYS: 1 active, 2 lease, 3 scheduled, 4 results, 5 job hash, 6 wake.
    /// - ARGV: 1 id, 2 lease token, 3 now, 4 run-at, 5 results stream length.
    /// - Reply: 1 snoozed; 0 lease lost.
    static let snooze = RedisScript(
        """
        \(leasedFunction)
        \(scheduleFunction)
        if not leased(KEYS[5], ARGV[2]) then return 0 end
        redis.call('LREM', KEYS[1], 0, ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        schedule(KEYS[3], KEYS[6], ARGV[4], ARGV[1])
        local attempt = redis.call('HINCRBY', KEYS[5], '\(F.attempt)', -1)
        redis.call('HSET', KEYS[5], '\(F.state)', 'scheduled', '\(F.runAt)', ARGV[4])
        redis.call('HDEL', KEYS[5], '\(F.token)')
        local name = redis.call('HGET', KEYS[5], '\(F.name)')
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', '\(E.event)', 'snoozed', '\(E.job)', ARGV[1], '\(E.name)', name,
          '\(E.attempt)', attempt + 1,
          '\(E.at)', ARGV[3], '\(E.runAt)', ARGV[4])
        return 1
        """
    )

    /// Shutdown: puts a held job back at the head (right end) of ready and gives its attempt back. No event: nothing
    /// happened to the job that the recorder needs to know.
    ///
    /// - KEYS: 1 active, 2 lease, 3 ready, 4 job hash.
    /// - ARGV: 1 id, 2 lease token.
    /// - Reply: 1 requeued; 0 lease lost.
    static let requeue = RedisScript(
        """
        \(leasedFunction)
        if not leased(KEYS[4], ARGV[2]) then return 0 end
        redis.call('LREM', KEYS[1], 0, ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('RPUSH', KEYS[3], ARGV[1])
        redis.call('HINCRBY', KEYS[4], '\(F.attempt)', -1)
        redis.call('HSET', KEYS[4], '\(F.state)', 'ready')
        redis.call('HDEL', KEYS[4], '\(F.token)', '\(F.owner)')
        return 1
        """
    )

    /// Saves a progress checkpoint of a held job in its hash, and appends a small `progress` event (no checkpoint
    /// JSON: an upload saves one per chunk, and the hash keeps the latest).
    ///
    /// - KEYS: 1 job hash, 2 results.
    /// - ARGV: 1 id, 2 lease token, 3 now, 4 checkpoint JSON, 5 results stream length.
    /// - Reply: 1 saved; 0 lease lost.
    static let checkpoint = RedisScript(
        """
        \(leasedFunction)
        if not leased(KEYS[1], ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], '\(F.checkpoint)', ARGV[4])
        local f = redis.call('HMGET', KEYS[1], '\(F.name)', '\(F.attempt)')
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', '\(E.event)', 'progress', '\(E.job)', ARGV[1], '\(E.name)', f[1],
          '\(E.attempt)', f[2], '\(E.at)', ARGV[3])
        return 1
        """
    )
}
