import Redis

/// Scripts of the maintenance loops. The caller first reads candidate ids (`ZRANGEBYSCORE`, `LRANGE`), then passes
/// their hash keys in `KEYS`; the script re-checks every candidate, so two loops racing on the same ids never move one
/// twice (asynq #717).
extension LuaScripts {
    /// Moves due ids from the scheduled set to the ready list.
    ///
    /// - KEYS: 1 scheduled, 2 ready, then the job hash of each id (in ARGV order).
    /// - ARGV: 1 now (the earlier of it and `TIME` counts), then the candidate ids, earliest first.
    /// - Reply: {moved count, run-at of the earliest id still scheduled or nil}.
    static let promote = RedisScript(
        """
        \(clampedNowFunction)
        local now = clampedNow(ARGV[1])
        local moved = 0
        for i = 1, #KEYS - 2 do
          local id = ARGV[1 + i]
          local score = redis.call('ZSCORE', KEYS[1], id)
          if score and tonumber(score) <= now then
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

    /// Takes one job whose lease expired away from its worker. A job whose handler started: stall count + 1; over the
    /// limit it is dead, otherwise it goes back to the head of ready (it waited already) with its attempt still counted.
    /// A job leased but never started (the claim's reply was lost, its worker died holding it prefetched) goes back to
    /// the head of ready with its attempt given back and no stall.
    ///
    /// - KEYS: 1 lease, 2 active, 3 ready, 4 dead, 5 stats, 6 results, 7 job hash, 8 unique lock (optional).
    /// - ARGV: 1 id, 2 now (the earlier of it and `TIME` counts), 3 most stalls allowed, 4 results stream length.
    /// - Reply: 0 not expired (extended, or another recoverer was first); 1 back to ready; 2 dead; 3 hash gone, id dropped.
    static let recoverExpired = RedisScript(
        """
        \(releaseFunction)
        \(clampedNowFunction)
        local now = clampedNow(ARGV[2])
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score or tonumber(score) > now then return 0 end
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('LREM', KEYS[2], 0, ARGV[1])
        if redis.call('EXISTS', KEYS[7]) == 0 then return 3 end
        local f = redis.call('HMGET', KEYS[7], '\(F.name)', '\(F.attempt)', '\(F.started)', '\(F.stalls)')
        local stalls = tonumber(f[4]) or 0
        if f[3] == '0' then
          f[2] = redis.call('HINCRBY', KEYS[7], '\(F.attempt)', -1)
        else
          stalls = redis.call('HINCRBY', KEYS[7], '\(F.stalls)', 1)
        end
        redis.call('HDEL', KEYS[7], '\(F.token)', '\(F.owner)', '\(F.orphanSeen)', '\(F.started)')
        if stalls > tonumber(ARGV[3]) then
          local message = 'lease expired ' .. stalls .. ' times'
          redis.call('ZADD', KEYS[4], now, ARGV[1])
          redis.call('HSET', KEYS[7], '\(F.state)', 'dead', '\(F.finishedAt)', now, '\(F.lastError)', message)
          release(KEYS[8], ARGV[1])
          redis.call('HINCRBY', KEYS[5], 'dead', 1)
          redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', '\(E.event)', 'dead', '\(E.job)', ARGV[1], '\(E.name)', f[1],
            '\(E.attempt)', f[2], '\(E.at)', now, '\(E.error)', message)
          return 2
        end
        redis.call('HSET', KEYS[7], '\(F.state)', 'ready')
        redis.call('RPUSH', KEYS[3], ARGV[1])
        redis.call('HINCRBY', KEYS[5], 'recovered', 1)
        redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', '\(E.event)', 'recovered', '\(E.job)', ARGV[1], '\(E.name)', f[1],
          '\(E.attempt)', f[2], '\(E.at)', now)
        return 1
        """
    )

    /// Looks at one window of the `active` list for ids without a lease (a worker died between `BLMOVE` and the claim
    /// script, or asynq #1144's "active without lease"), from the cursor the previous call left, so successive calls
    /// walk the whole list however long it is. The first sighting of an orphan is written to its hash; once it has been
    /// an orphan for the grace period it goes back to the head of ready. An id whose job finished or vanished just
    /// leaves active. The job hashes are named from the key prefix (as `claimReady` does), in the queue's slot.
    ///
    /// - KEYS: 1 lease, 2 active, 3 ready, 4 stats, 5 results, 6 recovery cursor (index into active).
    /// - ARGV: 1 now (the earlier of it and `TIME` counts), 2 grace ms, 3 window length, 4 job hash key prefix,
    ///   5 results stream length.
    /// - Reply: {1 when this window reached the end of the list (the cursor is back at 0) else 0, recovered ids…}.
    static let recoverOrphans = RedisScript(
        """
        \(clampedNowFunction)
        local now = clampedNow(ARGV[1])
        local window = tonumber(ARGV[3])
        local first = tonumber(redis.call('GET', KEYS[6]) or '0') or 0
        local ids = redis.call('LRANGE', KEYS[2], first, first + window - 1)
        local out, removed = {0}, 0
        for _, id in ipairs(ids) do
          if not redis.call('ZSCORE', KEYS[1], id) then
            local key = ARGV[4] .. id
            local f = redis.call('HMGET', key, '\(F.state)', '\(F.orphanSeen)', '\(F.name)', '\(F.attempt)')
            if not f[1] or f[1] == 'completed' or f[1] == 'dead' or f[1] == 'scheduled' then
              removed = removed + redis.call('LREM', KEYS[2], 0, id)
              if f[1] then redis.call('HDEL', key, '\(F.orphanSeen)') end
            elseif not f[2] then
              redis.call('HSET', key, '\(F.orphanSeen)', now)
            elseif now - tonumber(f[2]) >= tonumber(ARGV[2]) then
              removed = removed + redis.call('LREM', KEYS[2], 0, id)
              redis.call('RPUSH', KEYS[3], id)
              redis.call('HSET', key, '\(F.state)', 'ready')
              redis.call('HDEL', key, '\(F.token)', '\(F.owner)', '\(F.orphanSeen)', '\(F.started)')
              redis.call('HINCRBY', KEYS[4], 'recovered', 1)
              redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', '\(E.event)', 'recovered', '\(E.job)', id, '\(E.name)', f[3],
                '\(E.attempt)', f[4], '\(E.at)', now)
              out[#out + 1] = id
            end
          end
        end
        if #ids < window then
          out[1] = 1
          redis.call('DEL', KEYS[6])
        else
          redis.call('SET', KEYS[6], math.max(first + #ids - removed, 0))
        end
        return out
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
