import Redis

/// Scripts of the maintenance loops. The caller first reads candidate ids (`ZRANGEBYSCORE`, `LRANGE`), then passes
/// their hash keys in `KEYS`; the script re-checks every candidate, so two loops racing on the same ids never move one
/// twice (asynq #717).
extension LuaScripts {
    /// Moves due ids from the scheduled set to the ready list.
    ///
    /// - KEYS: 1 scheduled, 2 ready, then the job hash of each id (in ARGV order).
    /// - ARGV: 1 now, then the candidate ids, earliest first.
    /// - Reply: {moved count, run-at of the earliest id still scheduled or nil}.
    static let promote = RedisScript(
        """
        local moved = 0
        for i = 1, #KEYS - 2 do
          local id = ARGV[1 + i]
          local score = redis.call('ZSCORE', KEYS[1], id)
          if score and tonumber(score) <= tonumber(ARGV[1]) then
            redis.call('ZREM', KEYS[1], id)
            if redis.call('EXISTS', KEYS[2 + i]) == 1 then
              redis.call('HSET', KEYS[2 + i], '\(F.state)', 'ready')
              redis.call('LPUSH', KEYS[2], id)
              moved = moved + 1
            end
          end
        end
        local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return {moved, first[2] or false}
        """
    )

    /// Takes one job whose lease expired away from its worker: stall count + 1; over the limit it is dead, otherwise it
    /// goes back to the head of ready (it waited already) with its attempt still counted.
    ///
    /// - KEYS: 1 lease, 2 active, 3 ready, 4 dead, 5 stats, 6 results, 7 job hash, 8 unique lock (optional).
    /// - ARGV: 1 id, 2 now, 3 most stalls allowed.
    /// - Reply: 0 not expired (extended, or another recoverer was first); 1 back to ready; 2 dead; 3 hash gone, id dropped.
    static let recoverExpired = RedisScript(
        """
        \(releaseFunction)
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('LREM', KEYS[2], 0, ARGV[1])
        if redis.call('EXISTS', KEYS[7]) == 0 then return 3 end
        local stalls = redis.call('HINCRBY', KEYS[7], '\(F.stalls)', 1)
        redis.call('HDEL', KEYS[7], '\(F.token)', '\(F.owner)', '\(F.orphanSeen)')
        local f = redis.call('HMGET', KEYS[7], '\(F.name)', '\(F.attempt)')
        if stalls > tonumber(ARGV[3]) then
          local message = 'lease expired ' .. stalls .. ' times'
          redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
          redis.call('HSET', KEYS[7], '\(F.state)', 'dead', '\(F.finishedAt)', ARGV[2], '\(F.lastError)', message)
          release(KEYS[8], ARGV[1])
          redis.call('HINCRBY', KEYS[5], 'dead', 1)
          redis.call('XADD', KEYS[6], '*', '\(E.event)', 'dead', '\(E.job)', ARGV[1], '\(E.name)', f[1], '\(E.attempt)', f[2],
            '\(E.at)', ARGV[2], '\(E.error)', message)
          return 2
        end
        redis.call('HSET', KEYS[7], '\(F.state)', 'ready')
        redis.call('RPUSH', KEYS[3], ARGV[1])
        redis.call('HINCRBY', KEYS[5], 'recovered', 1)
        redis.call('XADD', KEYS[6], '*', '\(E.event)', 'recovered', '\(E.job)', ARGV[1], '\(E.name)', f[1], '\(E.attempt)', f[2],
          '\(E.at)', ARGV[2])
        return 1
        """
    )

    /// Handles one id found in active without a lease (a worker died between `BLMOVE` and the claim script, or asynq
    /// #1144's "active without lease"). The first sighting is written to the hash; once it has been an orphan for the
    /// grace period it goes back to the head of ready. An id whose job finished or vanished just leaves active.
    ///
    /// - KEYS: 1 lease, 2 active, 3 ready, 4 stats, 5 results, 6 job hash.
    /// - ARGV: 1 id, 2 now, 3 grace ms.
    /// - Reply: 0 not an orphan (or still within the grace); 1 back to ready; 3 dropped from active.
    static let recoverOrphan = RedisScript(
        """
        if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
        if not redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
        local f = redis.call('HMGET', KEYS[6], '\(F.state)', '\(F.orphanSeen)', '\(F.name)', '\(F.attempt)')
        if not f[1] or f[1] == 'completed' or f[1] == 'dead' or f[1] == 'scheduled' then
          redis.call('LREM', KEYS[2], 0, ARGV[1])
          if f[1] then redis.call('HDEL', KEYS[6], '\(F.orphanSeen)') end
          return 3
        end
        if not f[2] then
          redis.call('HSET', KEYS[6], '\(F.orphanSeen)', ARGV[2])
          return 0
        end
        if tonumber(ARGV[2]) - tonumber(f[2]) < tonumber(ARGV[3]) then return 0 end
        redis.call('LREM', KEYS[2], 0, ARGV[1])
        redis.call('RPUSH', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[6], '\(F.state)', 'ready')
        redis.call('HDEL', KEYS[6], '\(F.token)', '\(F.owner)', '\(F.orphanSeen)')
        redis.call('HINCRBY', KEYS[4], 'recovered', 1)
        redis.call('XADD', KEYS[5], '*', '\(E.event)', 'recovered', '\(E.job)', ARGV[1], '\(E.name)', f[3], '\(E.attempt)', f[4],
          '\(E.at)', ARGV[2])
        return 1
        """
    )

    /// Deletes dead jobs that died at or before the cutoff, or that are among the oldest beyond the count limit.
    ///
    /// - KEYS: 1 dead, then the job hash of each id (in ARGV order).
    /// - ARGV: 1 cutoff (died-at ≤ cutoff → delete), 2 most dead jobs kept, then the candidate ids, oldest first.
    /// - Reply: the number deleted.
    static let trimDead = RedisScript(
        """
        local removed = 0
        for i = 1, #KEYS - 1 do
          local id = ARGV[2 + i]
          local score = redis.call('ZSCORE', KEYS[1], id)
          if score then
            local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
            if tonumber(score) <= tonumber(ARGV[1]) or (over > 0 and redis.call('ZRANK', KEYS[1], id) < over) then
              redis.call('ZREM', KEYS[1], id)
              if redis.call('HGET', KEYS[1 + i], '\(F.state)') == 'dead' then redis.call('DEL', KEYS[1 + i]) end
              removed = removed + 1
            end
          end
        end
        return removed
        """
    )
}
