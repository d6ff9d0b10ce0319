import CoreMetrics
public import Foundation
public import Redis

/// The job queue in Redis: a ``JobBroker`` whose every state change is one Lua script (see `LuaScripts`).
///
/// ## Redis layout
/// All keys of a queue `q` start with `reelay:{q}:` (``QueueKeys`` builds them; `{q}` is a hash tag, so a queue lives
/// in one cluster slot). Times are milliseconds since 1970.
///
/// | key | type | holds |
/// |---|---|---|
/// | `reelay:{q}:ready` | list | ids waiting; `LPUSH` on enqueue, taken from the right (`LLEN` = backlog) |
/// | `reelay:{q}:active` | list | ids in transit: moved by a blocking pickup (`BLMOVE`), not yet leased |
/// | `reelay:{q}:lease` | zset | id → lease deadline: the jobs workers hold (`ZCARD` = in flight) |
/// | `reelay:{q}:scheduled` | zset | id → run-at (delayed jobs, retry back-offs, snoozes) |
/// | `reelay:{q}:dead` | zset | id → died-at; trimmed by ``applyRetention(queue:completedFor:deadFor:deadLimit:now:)`` |
/// | `reelay:{q}:job:<id>` | hash | the ``JobHashField`` fields; a completed job's hash expires after `completedRetention` |
/// | `reelay:{q}:unique:<key>` | string | id of the live job holding the unique key (`PX` = `uniqueFor`) |
/// | `reelay:{q}:paused` | string | present while the queue is paused |
/// | `reelay:{q}:stats` | hash | counters: enqueued, completed, failed, retried, dead, recovered |
/// | `reelay:{q}:recover-cursor` | string | where the next orphan scan of `active` starts (absent = 0) |
/// | `reelay:{q}:results` | stream | `completed` (one entry per ack batch), `retrying`, `dead`, `snoozed`, `progress`, `recovered` events (`MAXLEN ~` entries) |
///
/// ## Scripts (each takes every key it touches in `KEYS`)
/// - `enqueue`: per job of a batch, refuse a known id or a held unique key; write the hash, take the lock, `LPUSH` ready
///   or `ZADD` scheduled.
/// - `releaseStaleUniqueLock`: drop a unique lock whose job is gone or finished, so enqueue may take it.
/// - `claimReady`: `RPOP` up to a batch from ready and lease each (state, owner, token, attempt + 1) with one `ZADD` of
///   the lease set for the batch. `claim`: after a blocking `BLMOVE` ready → active, take the id out of active and lease
///   it; while paused, put it back at the head of ready.
/// - `extendLease`, `completeMany`, `fail`, `snooze`, `requeue`, `checkpoint`: check the lease token, then change the job
///   and append its event to the results stream (`completeMany`: one entry for its whole batch).
/// - `promote`: scheduled → ready for the ids still due. `recoverExpired`: an expired lease → ready (or dead after too
///   many stalls; a job never started goes back without an attempt or a stall). `recoverOrphans`: one window of active
///   from a cursor, ids left there (not leased) for the grace period → ready. `start`: the handler begins. `trimDead`: retention.
///
/// ## Reading it with redis-cli
/// ```
/// redis-cli LLEN 'reelay:{default}:ready'                          # backlog
/// redis-cli HGETALL 'reelay:{default}:job:3f2c6a8e-1b2c-4d5e-8f90-1234567890ab'   # one job
/// redis-cli ZRANGE 'reelay:{default}:dead' 0 -1 WITHSCORES        # dead letters, oldest first
/// ```
///
/// Completed jobs: their hash gets a `PEXPIRE` of `completedRetention` in the `complete` script, so Redis deletes them
/// itself and no index of completed jobs is needed (the `completedFor` argument of `applyRetention` is therefore
/// unused by this broker). Dead jobs are trimmed by age and count in `applyRetention`.
public final class RedisJobBroker: JobBroker {
    /// The client every command goes through.
    public let client: RedisClient

    /// The Redis client's event loop: a worker running there writes its commands and reads their replies on one thread.
    public var preferredTaskExecutor: (any TaskExecutor)? { self.client.taskExecutor }
    /// The first part of every key (`reelay`).
    public let prefix: String
    /// The largest payload accepted, in UTF-8 bytes.
    public let maximumPayloadBytes: Int
    /// How long a completed job's hash is kept: it gets this expiry when it completes.
    public let completedRetention: Duration
    /// Most entries kept in each results stream: every append trims with `MAXLEN ~` this many (Redis trims whole
    /// stream nodes, so the stream may hold up to about a hundred more). An entry holds one event, or one ack batch of
    /// up to ``completeBatchSize`` completions.
    public let resultsMaxLength: Int
    /// Redis's time, for the callers that need a time outside a script (see ``now()``).
    public let clock: RedisClock
    /// Counts `reelay.jobs.enqueued` by queue and job name.
    let metrics: JobMetricsCache

    /// The default of ``resultsMaxLength``: 100,000 events per queue (about 25 MB of stream, see the operating guide).
    public static let defaultResultsMaxLength = 100_000

    /// The longest unique key accepted, in UTF-8 bytes.
    public static let maximumUniqueKeyLength = 200
    /// The longest job name accepted, in UTF-8 bytes.
    public static let maximumNameLength = 200
    /// Jobs per `enqueue` script call: large enough that a call's fixed cost is shared, small enough that one call holds
    /// Redis for about a millisecond.
    static let enqueueBatchSize = 250
    /// Script calls per round trip while enqueueing, so a huge batch does not build one huge buffer.
    static let enqueueBatchesPerRoundTrip = 8

    /// A broker over `client` for the queues under `prefix`.
    /// - Parameters:
    ///   - maximumPayloadBytes: Larger payloads are refused with `payloadTooLarge`.
    ///   - completedRetention: How long completed jobs stay readable (and keep their id from being enqueued again).
    ///   - resultsMaxLength: Most events kept per results stream (``defaultResultsMaxLength``; at least 1).
    ///   - wallClock: The local clock that ``clock`` corrects to Redis's `TIME` (a test skews it).
    ///   - metrics: Where `reelay.jobs.enqueued` is counted (the process's metrics backend by default).
    public init(
        client: RedisClient, prefix: String = "reelay", maximumPayloadBytes: Int = 1 << 20, completedRetention: Duration = .seconds(86_400),
        resultsMaxLength: Int = RedisJobBroker.defaultResultsMaxLength, wallClock: @escaping @Sendable () -> Date = { Date() },
        metrics: JobMetricsCache = JobMetricsCache()
    ) {
        self.metrics = metrics
        self.resultsMaxLength = max(resultsMaxLength, 1)
        self.clock = RedisClock(client: client, wallClock: wallClock)
        self.client = client
        self.prefix = prefix
        self.maximumPayloadBytes = maximumPayloadBytes
        self.completedRetention = completedRetention
    }

    /// The keys of `queue`. - Throws: `invalidQueueName`.
    public func keys(_ queue: String) throws(JobQueueError) -> QueueKeys {
        try QueueKeys(queue: queue, prefix: self.prefix)
    }

    /// Redis's time now (``RedisClock``): what callers pass as `now`, so no host's clock decides a lease or a due time.
    public func now() async throws -> Date {
        try await self.clock.now()
    }

    // MARK: - Producing

    public func enqueue(_ requests: [JobRequest], queue: String, now: Date) async throws -> [EnqueueOutcome] {
        let keys = try self.keys(queue)
        for request in requests { try self.validate(request) }
        let nowMs = now.epochMilliseconds
        var outcomes = try await self.store(requests, keys: keys, now: nowMs)
        try await self.retryStaleUniqueLocks(requests, outcomes: &outcomes, keys: keys, now: nowMs)
        for (request, outcome) in zip(requests, outcomes) {
            if case .enqueued = outcome { self.metrics.metrics(queue: queue, job: request.name).enqueued.increment() }
        }
        return outcomes
    }

    /// Runs the `enqueue` script over `requests` in batches of ``enqueueBatchSize``, several batches per round trip.
    func store(_ requests: [JobRequest], keys: QueueKeys, now: Int64) async throws -> [EnqueueOutcome] {
        var outcomes: [EnqueueOutcome] = []
        outcomes.reserveCapacity(requests.count)
        var start = requests.startIndex
        while start < requests.endIndex {
            let end = min(start + Self.enqueueBatchSize * Self.enqueueBatchesPerRoundTrip, requests.endIndex)
            let batches = stride(from: start, to: end, by: Self.enqueueBatchSize).map { requests[$0..<min($0 + Self.enqueueBatchSize, end)] }
            let replies = try await self.pipeline("enqueue", batches.map { self.enqueueCommand($0, keys: keys, now: now) })
            for (batch, reply) in zip(batches, replies) { outcomes += try self.enqueueOutcomes(reply, requests: batch) }
            start = end
        }
        return outcomes
    }

    /// Checks one request against every limit; nothing is sent when any request of a batch fails.
    func validate(_ request: JobRequest) throws(JobQueueError) {
        let id = request.options.id
        guard (1...Self.maximumNameLength).contains(request.name.utf8.count) else {
            throw JobQueueError(.invalidArgument, detail: "job \(id): name must be 1 to \(Self.maximumNameLength) bytes")
        }
        guard request.payload.utf8.count <= self.maximumPayloadBytes else {
            throw JobQueueError(
                .payloadTooLarge, detail: "job \(id): payload of \(request.payload.utf8.count) bytes, limit \(self.maximumPayloadBytes)")
        }
        guard (1...100).contains(request.options.maxAttempts) else {
            throw JobQueueError(.invalidArgument, detail: "job \(id): maxAttempts \(request.options.maxAttempts) outside 1…100")
        }
        if let uniqueKey = request.options.uniqueKey {
            guard (1...Self.maximumUniqueKeyLength).contains(uniqueKey.utf8.count) else {
                throw JobQueueError(.invalidArgument, detail: "job \(id): unique key must be 1 to \(Self.maximumUniqueKeyLength) bytes")
            }
            guard request.options.uniqueFor.wholeMilliseconds > 0 else {
                throw JobQueueError(.invalidArgument, detail: "job \(id): uniqueFor must be at least 1 ms")
            }
        }
        if let timeout = request.options.timeout, timeout.wholeMilliseconds <= 0 {
            throw JobQueueError(.invalidArgument, detail: "job \(id): timeout must be at least 1 ms")
        }
    }

    /// The `enqueue` script call for a batch of requests.
    func enqueueCommand(_ requests: ArraySlice<JobRequest>, keys: QueueKeys, now: Int64) -> RedisCommand {
        var scriptKeys = [keys.ready, keys.scheduled, keys.stats, keys.wake]
        var locks: [String] = []
        var arguments = [String(now), String(requests.count)]
        scriptKeys.reserveCapacity(4 + requests.count)
        arguments.reserveCapacity(2 + 8 * requests.count)
        for request in requests {
            let options = request.options
            scriptKeys.append(keys.job(options.id))
            if let uniqueKey = options.uniqueKey { locks.append(keys.unique(uniqueKey)) }
            arguments += [
                options.id.description, request.name, request.payload, String(options.maxAttempts),
                options.runAt.map { String(max($0.epochMilliseconds, now)) } ?? "", options.timeout.map { String($0.wholeMilliseconds) } ?? "",
                options.uniqueKey ?? "", String(options.uniqueFor.wholeMilliseconds),
            ]
        }
        return .evalSHA(LuaScripts.enqueue, keys: scriptKeys + locks, arguments: arguments)
    }

    /// Reads the `enqueue` script's reply: one outcome per request of the batch.
    func enqueueOutcomes(_ reply: RedisValue, requests: ArraySlice<JobRequest>) throws(JobQueueError) -> [EnqueueOutcome] {
        guard let elements = reply.array, elements.count == requests.count else {
            throw JobQueueError(.broker, detail: "enqueue: unexpected reply \(reply)")
        }
        return try zip(requests, elements).map { request, element throws(JobQueueError) in
            switch element {
            case .integer(1): return .enqueued(request.options.id)
            case .integer(0): return .duplicateID(request.options.id)
            case .bulk:
                return .duplicateUniqueKey(existing: try JobID(parsing: element.string ?? ""))
            default:
                throw JobQueueError(.broker, detail: "enqueue \(request.options.id): unexpected reply \(element)")
            }
        }
    }

    /// A unique lock whose job finished or vanished (its hash expired, it was purged) no longer holds: release such
    /// locks and enqueue the refused requests again, in their order.
    func retryStaleUniqueLocks(_ requests: [JobRequest], outcomes: inout [EnqueueOutcome], keys: QueueKeys, now: Int64) async throws {
        var holders: [(key: String, owner: JobID)] = []
        for (request, outcome) in zip(requests, outcomes) {
            guard case .duplicateUniqueKey(let owner) = outcome, let key = request.options.uniqueKey,
                !holders.contains(where: { $0.key == key && $0.owner == owner })
            else { continue }
            holders.append((key, owner))
        }
        guard !holders.isEmpty else { return }
        let released = try await self.pipeline(
            "enqueue", holders.map { .evalSHA(LuaScripts.releaseStaleUniqueLock, keys: [keys.unique($0.key), keys.job($0.owner)], arguments: [$0.owner.description]) })
        let freed = Set(zip(holders, released).filter { $0.1 == .integer(1) }.map { $0.0.key })
        guard !freed.isEmpty else { return }
        let again = requests.indices.filter { index in
            guard case .duplicateUniqueKey = outcomes[index], let key = requests[index].options.uniqueKey else { return false }
            return freed.contains(key)
        }
        let retried = try await self.store(again.map { requests[$0] }, keys: keys, now: now)
        for (index, outcome) in zip(again, retried) { outcomes[index] = outcome }
    }

    // MARK: - Redis calls

    /// Runs `body`, turning a ``RedisError`` into ``JobQueueError`` `broker`.
    func redis<Result: Sendable>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        try await RedisBoundary.call(operation, body)
    }

    /// Sends `commands` in one round trip; an error reply in any slot is thrown as ``JobQueueError`` `broker`.
    func pipeline(_ operation: String, _ commands: [RedisCommand]) async throws -> [RedisValue] {
        let replies = try await self.redis(operation) { try await self.client.pipeline(commands) }
        if let message = replies.lazy.compactMap(\.errorMessage).first {
            throw JobQueueError(.broker, detail: "\(operation): \(message)")
        }
        return replies
    }

    /// Runs one script and returns its reply (a script error is thrown as ``JobQueueError`` `broker`).
    func eval(_ operation: String, _ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisValue {
        try await self.redis(operation) { try await self.client.evalSHA(script, keys: keys, arguments: arguments) }
    }
}
