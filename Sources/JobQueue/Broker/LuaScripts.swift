import Redis

/// The Lua scripts of ``RedisJobBroker``: one per state change. Every key a script touches arrives in `KEYS`, except the
/// job hashes `claimReady` builds from the queue's key prefix for ids it pops; all keys of one queue share its `{queue}`
/// hash tag, so the scripts run unchanged on Redis Cluster.
/// Times are milliseconds since 1970 as decimal text. Field names come from ``JobHashField`` and ``ResultEventField``.
///
/// One clock: a script that judges time (is a job due, has a lease expired, how long may a lease run) takes the earlier
/// of the caller's `now` and Redis's own `TIME` (`clampedNow`), so a caller whose clock runs ahead can neither promote a
/// job early nor steal a live lease nor write a lease too long; callers pass Redis's time (``RedisClock``), which also
/// covers a clock that runs behind.
enum LuaScripts {
    typealias F = JobHashField
    typealias E = ResultEventField

    /// Lua: `clampedNow(callerNow)` is the earlier of `callerNow` (ms) and Redis's `TIME` (ms), as a number.
    static let clampedNowFunction = """
        local function clampedNow(callerNow)
          local t = redis.call('TIME')
          return math.min(tonumber(callerNow), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
        end
        """

    /// Lua: `schedule(scheduledKey, wakeKey, runAt, id)` adds the id to the scheduled set and, when it is now the
    /// earliest, pushes to the wake list (kept at one element) so a forwarder sleeping until a later job wakes at once.
    static let scheduleFunction = """
        local function schedule(set, wake, at, id)
          local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
          redis.call('ZADD', set, at, id)
          if not first[2] or tonumber(at) < tonumber(first[2]) then
            redis.call('LPUSH', wake, at)
            redis.call('LTRIM', wake, 0, 0)
          end
        end
        """

    /// Lua: `wrongType(key, kind)` is nil when `key` is absent or of type `kind`, else a `WRONGTYPE` message. Scripts
    /// check every key they will write before their first write: Redis does not roll a script back when a command
    /// fails halfway, so a late WRONGTYPE would leave a state change half done.
    static let wrongTypeFunction = """
        local function wrongType(key, kind)
          local t = redis.call('TYPE', key)['ok']
          if t ~= 'none' and t ~= kind then return 'WRONGTYPE ' .. key .. ' holds a ' .. t .. ', not a ' .. kind end
        end
        """

    /// Lua: `lease(hashKey, id, token, worker, now)` makes the job active under `token` for `worker` (one more attempt,
    /// `started` 0 until the worker starts it) and returns its row: id, attempt, name, payload, max attempts, checkpoint
    /// or nil, enqueued-at, timeout ms or nil, unique key or nil, lease token. Returns nil, changing nothing, when the
    /// hash is gone or the job is not `ready`. One read and one write per job; the caller adds the id to the lease set
    /// (one `ZADD` for a whole batch, see `addLeases`). `leaseTimes(callerNow, callerDeadline)` gives `now, deadline` on
    /// Redis's clock, as decimal text: a Lua number passed to `redis.call` is formatted with `printf` on every use, so
    /// the scripts format each time once per call.
    static let leaseFunction = """
        \(clampedNowFunction)
        local function leaseTimes(callerNow, callerDeadline)
          local now = clampedNow(callerNow)
          return tostring(now), tostring(now + (tonumber(callerDeadline) - tonumber(callerNow)))
        end
        local function lease(key, id, token, worker, now)
          local f = redis.call('HMGET', key, '\(F.state)', '\(F.attempt)', '\(F.name)', '\(F.payload)', '\(F.maxAttempts)',
            '\(F.checkpoint)', '\(F.enqueuedAt)', '\(F.timeoutMs)', '\(F.uniqueKey)', '\(F.orphanSeen)')
          if f[1] ~= 'ready' then return nil end
          local attempt = (tonumber(f[2]) or 0) + 1
          redis.call('HSET', key, '\(F.state)', 'active', '\(F.attempt)', attempt, '\(F.owner)', worker, '\(F.token)', token,
            '\(F.leasedAt)', now, '\(F.started)', '0')
          if f[10] then redis.call('HDEL', key, '\(F.orphanSeen)') end
          return {id, attempt, f[3], f[4], f[5], f[6], f[7], f[8], f[9], token}
        end
        local function addLeases(leaseSet, deadline, rows)
          if #rows == 0 then return end
          local args = {}
          for i = 1, #rows do
            args[2 * i - 1] = deadline
            args[2 * i] = rows[i][1]
          end
          redis.call('ZADD', leaseSet, unpack(args))
        end
        """

    /// Lua: `leased(hashKey, token)` is true when the job is active under the lease `token`.
    static let leasedFunction = """
        local function leased(key, token)
          local f = redis.call('HMGET', key, '\(F.state)', '\(F.token)')
          return f[1] == 'active' and f[2] == token
        end
        """

    // MARK: - Producing

    /// Stores a batch of jobs of one queue and queues each (ready now, or scheduled for later), in order, skipping one
    /// whose id exists or whose unique key is held (by an earlier job of the same batch too): per job exactly what one
    /// enqueue does, with the type checks, the `LPUSH` of the due ids and the stats counter done once per batch.
    ///
    /// - KEYS: 1 ready, 2 scheduled, 3 stats, 4 wake, then the job hash of each job (in ARGV order), then the unique lock
    ///   of each job that has a unique key (in ARGV order).
    /// - ARGV: 1 now (the earlier of it and `TIME` counts), 2 job count n, then 8 per job: id, name, payload, max attempts,
    ///   run-at ("" = now), timeout ms or "", unique key or "", unique lock TTL ms.
    /// - Reply: one element per job: 1 enqueued; 0 the id exists (duplicate); a bulk string: the id of the job holding
    ///   the unique key. An error reply `WRONGTYPE …`, with nothing written, when stats, or ready (a job due now), or
    ///   scheduled or wake (a job for later) holds another type.
    static let enqueue = RedisScript(
        """
        \(scheduleFunction)
        \(wrongTypeFunction)
        \(clampedNowFunction)
        local now, n = clampedNow(ARGV[1]), tonumber(ARGV[2])
        local nowText = tostring(now)
        local anyDue, anyLater = false, false
        for i = 1, n do
          local runAt = ARGV[2 + 8 * (i - 1) + 5]
          if runAt == '' or tonumber(runAt) <= now then anyDue = true else anyLater = true end
        end
        local problem = wrongType(KEYS[3], 'hash')
        if anyDue then problem = problem or wrongType(KEYS[1], 'list') end
        if anyLater then problem = problem or wrongType(KEYS[2], 'zset') or wrongType(KEYS[4], 'list') end
        if problem then return redis.error_reply(problem) end
        local out, due, lockIndex, added = {}, {}, 0, 0
        for i = 1, n do
          local a = 2 + 8 * (i - 1)
          local key, id, runAt, unique = KEYS[4 + i], ARGV[a + 1], ARGV[a + 5], ARGV[a + 7]
          if runAt == '' then runAt = nowText end
          local lock
          if unique ~= '' then
            lockIndex = lockIndex + 1
            lock = KEYS[4 + n + lockIndex]
          end
          if redis.call('EXISTS', key) == 1 then
            out[i] = 0
          else
            local owner = lock and redis.call('GET', lock)
            if owner then
              out[i] = owner
            else
              local isDue = tonumber(runAt) <= now
              redis.call('HSET', key, '\(F.name)', ARGV[a + 2], '\(F.payload)', ARGV[a + 3], '\(F.state)', isDue and 'ready' or 'scheduled',
                '\(F.attempt)', '0', '\(F.maxAttempts)', ARGV[a + 4], '\(F.enqueuedAt)', nowText, '\(F.runAt)', runAt, '\(F.stalls)', '0')
              if ARGV[a + 6] ~= '' then redis.call('HSET', key, '\(F.timeoutMs)', ARGV[a + 6]) end
              if lock then
                redis.call('HSET', key, '\(F.uniqueKey)', unique)
                redis.call('SET', lock, id, 'PX', ARGV[a + 8])
              end
              if isDue then due[#due + 1] = id else schedule(KEYS[2], KEYS[4], runAt, id) end
              added = added + 1
              out[i] = 1
            end
          end
        end
        for first = 1, #due, 500 do
          redis.call('LPUSH', KEYS[1], unpack(due, first, math.min(first + 499, #due)))
        end
        if added > 0 then redis.call('HINCRBY', KEYS[3], 'enqueued', added) end
        return out
        """
    )

    /// Deletes a unique lock whose owner is gone (hash purged) or finished (completed, dead), so enqueue can take it.
    ///
    /// - KEYS: 1 unique lock, 2 the owner's job hash.
    /// - ARGV: 1 the owner's id, as the lock holds it.
    /// - Reply: 1 deleted; 0 the lock changed or its owner is alive.
    static let releaseStaleUniqueLock = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        local state = redis.call('HGET', KEYS[2], '\(F.state)')
        if state and state ~= 'completed' and state ~= 'dead' then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """
    )

    // MARK: - Consuming

    /// Leases the ids a blocking pickup just moved from ready to active (`BLMOVE`), re-checking each one. A leased id
    /// leaves active: from then on the lease set alone says the job is held (`active` only holds ids in transit).
    ///
    /// While the queue is paused, puts every id back at the head (right end) of ready in the order they were taken and
    /// leases nothing. Otherwise leases each id it can still take out of active whose state is `ready`; an id that is no
    /// longer in active (the orphan recoverer put it back), whose hash is gone, or that another worker leased meanwhile,
    /// is skipped.
    /// - KEYS: 1 paused, 2 ready, 3 active, 4 lease, then the job hash of each id (in ARGV order).
    /// - ARGV: 1 now, 2 lease deadline (runs its duration from the earlier of now and `TIME`), 3 worker id, then per id:
    ///   the id, its new lease token.
    /// - Reply: one array per leased job (see `lease`: its fields, then its lease token). Empty while paused.
    static let claim = RedisScript(
        """
        \(leaseFunction)
        local n = #KEYS - 4
        if redis.call('EXISTS', KEYS[1]) == 1 then
          for i = n, 1, -1 do
            local id = ARGV[2 + 2 * i]
            if redis.call('LREM', KEYS[3], 1, id) > 0 then redis.call('RPUSH', KEYS[2], id) end
          end
          return {}
        end
        local now, deadline = leaseTimes(ARGV[1], ARGV[2])
        local out = {}
        for i = 1, n do
          local key, id, token = KEYS[4 + i], ARGV[2 + 2 * i], ARGV[3 + 2 * i]
          local row = redis.call('LREM', KEYS[3], 1, id) > 0 and lease(key, id, token, ARGV[3], now)
          if row then out[#out + 1] = row end
        end
        addLeases(KEYS[4], deadline, out)
        return out
        """
    )

    /// Takes up to a batch of ids from ready and leases them, in one call: the fast path of a pickup.
    ///
    /// Pops the oldest ids of ready at once (`RPOP` with a count) and leases each whose hash says `ready`; an id whose
    /// hash is gone or not ready (a stale copy) is dropped. The ids go straight from ready to the lease set, with no stop
    /// in `active`: the script is atomic, so no id can be lost between the two. The job hashes are named from the
    /// queue's key prefix, not in KEYS, because the ids are only known once popped; they share the queue's hash tag, so
    /// they live in the same cluster slot as the KEYS (the same trade BullMQ's `moveToActive` makes).
    /// - KEYS: 1 paused, 2 ready, 3 lease.
    /// - ARGV: 1 now, 2 lease deadline (as `claim`), 3 worker id, 4 most ids to take, 5 job hash key prefix (`reelay:{q}:job:`),
    ///   6 lease token prefix (each job's token is the prefix and its position in the batch).
    /// - Reply: -1 while paused (nothing taken); else one array per leased job, as `claim`; an error reply
    ///   `WRONGTYPE …`, with nothing taken, when ready or lease holds another type.
    static let claimReady = RedisScript(
        """
        \(wrongTypeFunction)
        \(leaseFunction)
        if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
        local problem = wrongType(KEYS[2], 'list') or wrongType(KEYS[3], 'zset')
        if problem then return redis.error_reply(problem) end
        local ids = redis.call('RPOP', KEYS[2], ARGV[4])
        if not ids then return {} end
        local now, deadline = leaseTimes(ARGV[1], ARGV[2])
        local out = {}
        for i = 1, #ids do
          local row = lease(ARGV[5] .. ids[i], ids[i], ARGV[6] .. i, ARGV[3], now)
          if row then out[#out + 1] = row end
        end
        addLeases(KEYS[3], deadline, out)
        return out
        """
    )

    /// Extends one lease, if it is still this worker's.
    ///
    /// - KEYS: 1 lease, 2 job hash.
    /// - ARGV: 1 id, 2 lease token, 3 new deadline, 4 lease duration ms (the deadline is at most `TIME` + duration).
    /// - Reply: 1 extended; 0 lease lost.
    static let extendLease = RedisScript(
        """
        \(leasedFunction)
        \(clampedNowFunction)
        if not leased(KEYS[2], ARGV[2]) then return 0 end
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
        local deadline = clampedNow(tonumber(ARGV[3]) - tonumber(ARGV[4])) + tonumber(ARGV[4])
        redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[1])
        return 1
        """
    )

    /// Marks held jobs of one queue started (their handlers begin): from now on an expired lease counts a stall.
    ///
    /// - KEYS: the job hashes.
    /// - ARGV: their lease tokens, in the same order.
    /// - Reply: one integer per job: 1 started; 0 lease lost.
    static let start = RedisScript(
        """
        \(leasedFunction)
        local started = {}
        for i = 1, #KEYS do
          if leased(KEYS[i], ARGV[i]) then
            redis.call('HSET', KEYS[i], '\(F.started)', '1')
            started[i] = 1
          else
            started[i] = 0
          end
        end
        return started
        """
    )
}
