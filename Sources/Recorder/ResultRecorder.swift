public import Domain
public import JobQueue
public import Logging
public import Metrics
import Redis
public import ServiceLifecycle

/// Drains the workers' results streams (`reelay:{queue}:results`) into PostgreSQL: the result recorder of `reelay api`.
///
/// Every recorder joins one consumer group per stream (``RecorderConfiguration/group``), so several API processes
/// share the entries. A loop reads new entries (`XREADGROUP … BLOCK`, on the Redis client's blocking pool), applies them
/// with ``Domain/ResultApplier`` in one transaction per batch, and acknowledges them (`XACK`) only after the commit.
///
/// - **PostgreSQL (or Redis) down:** the batch fails, nothing is acknowledged, and the same batch is tried again after
///   a capped exponential back-off (``RecorderConfiguration/retryBackoff`` doubling up to
///   ``RecorderConfiguration/maximumRetryBackoff``). Later events wait in Redis. If the process stops meanwhile,
///   its entries stay pending in the group and another recorder claims them.
/// - **A recorder that dies** leaves its unacknowledged entries pending; every ``RecorderConfiguration/claimInterval``
///   each recorder takes over entries idle for ``RecorderConfiguration/claimIdle`` (`XAUTOCLAIM`) and applies them.
///   An entry applied but not acknowledged before the crash is recorded again as a duplicate, which changes nothing
///   (`post_events.stream_id` is unique), and an older entry applied after a newer one cannot undo it (see
///   `PostTransition` in Domain).
/// - **Trimming:** every ``RecorderConfiguration/trimInterval`` each stream is trimmed (`XTRIM MINID`) up to its
///   oldest entry the group has not acknowledged (``JobQueue/RedisJobBroker/trimResults(queue:group:)``): pending and
///   unread entries always stay. The broker's own `MAXLEN ~` cap (``JobQueue/RedisJobBroker/resultsMaxLength``) is only
///   a safety net for a recorder that is down for long; trimming by acknowledgement keeps the stream short while the
///   recorder keeps up, and never drops an entry it has not applied (MAXLEN alone would, once the cap is reached).
/// - **Shutdown:** graceful shutdown ends the loop after the current read (at most ``RecorderConfiguration/blockTimeout``)
///   and the current batch.
public struct ResultRecorder: Service {
    let broker: RedisJobBroker
    let applier: ResultApplier
    let configuration: RecorderConfiguration
    let logger: Logger
    let metrics: RecorderMetrics
    /// Each queue with its stream key, in configuration order.
    let streams: [(queue: String, stream: String)]
    /// Stream key → queue.
    let queueOf: [String: String]

    var client: RedisClient { self.broker.client }

    /// A recorder reading `configuration.queues` through `broker`'s client and key layout, applying with `applier`.
    /// - Throws: ``JobQueue/JobQueueError`` `invalidQueueName` for a bad queue name.
    public init(
        broker: RedisJobBroker, applier: ResultApplier, configuration: RecorderConfiguration = RecorderConfiguration(),
        logger: Logger = Logger(label: "reelay.recorder"), metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        self.broker = broker
        self.applier = applier
        self.configuration = configuration
        self.logger = logger
        self.metrics = RecorderMetrics(factory: metricsFactory)
        var streams: [(queue: String, stream: String)] = []
        for queue in configuration.queues where !streams.contains(where: { $0.queue == queue }) {
            streams.append((queue, try broker.keys(queue).results))
        }
        self.streams = streams
        self.queueOf = Dictionary(uniqueKeysWithValues: streams.map { ($0.stream, $0.queue) })
    }

    /// Reads, applies and acknowledges until graceful shutdown.
    public func run() async throws {
        guard !self.streams.isEmpty else { return }
        let clock = ContinuousClock()
        guard await self.untilDone("create the consumer groups", { try await self.ensureGroups() }) else { return }
        self.logger.info(
            "result recorder started",
            metadata: ["consumer": "\(self.configuration.consumer)", "queues": "\(self.streams.map(\.queue).joined(separator: ","))"])
        var lastClaim = clock.now
        var lastTrim = clock.now
        var claimedAtStart = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if !claimedAtStart || clock.now - lastClaim >= self.configuration.claimInterval {
                claimedAtStart = true
                await self.claimStaleEntries()
                lastClaim = clock.now
            }
            if clock.now - lastTrim >= self.configuration.trimInterval {
                await self.trim()
                lastTrim = clock.now
            }
            let entries: [StreamEntry]
            do {
                entries = try await self.readNew()
            } catch {
                await self.readFailed(error)
                continue
            }
            guard !entries.isEmpty else { continue }
            _ = await self.process(entries)
        }
        self.logger.info("result recorder stopped", metadata: ["consumer": "\(self.configuration.consumer)"])
    }

    /// Applies `entries` (retrying with back-off until it works or shutdown begins), then acknowledges them.
    /// - Returns: Whether they were applied and acknowledged.
    func process(_ entries: [StreamEntry]) async -> Bool {
        var events: [ResultEvent] = []
        for entry in entries {
            if let held = Self.events(of: entry) { events += held } else { self.metrics.malformed.increment() }
        }
        let applied = await self.untilDone("apply a batch of results") {
            let result = try await self.applier.apply(try await self.attachCheckpoints(events))
            self.count(result)
        }
        guard applied else { return false }
        do {
            try await self.acknowledge(entries)
        } catch {
            // Applied but not acknowledged: the entries come back through a claim and are recorded as duplicates.
            self.logger.failure(.warning, "could not acknowledge applied results", error: error, metadata: ["entries": "\(entries.count)"])
            return false
        }
        return true
    }

    /// Claims and applies every entry left idle by other consumers, page by page.
    func claimStaleEntries() async {
        for (queue, stream) in self.streams {
            var cursor = "0-0"
            repeat {
                guard !Task.isShuttingDownGracefully else { return }
                do {
                    let page = try await self.claimStale(queue: queue, stream: stream, cursor: cursor)
                    if !page.entries.isEmpty {
                        self.logger.notice("claimed results another recorder left", metadata: ["queue": "\(queue)", "entries": "\(page.entries.count)"])
                        guard await self.process(page.entries) else { return }
                    }
                    cursor = page.next
                } catch {
                    self.logger.failure(.warning, "could not claim stale results", error: error, metadata: ["queue": "\(queue)"])
                    await self.recreateGroupsIfGone(error)
                    break
                }
            } while cursor != "0-0"
            do {
                try await self.forgetIdleConsumers(stream: stream)
            } catch {
                self.logger.failure(.debug, "could not list the group's consumers", error: error, metadata: ["queue": "\(queue)"])
            }
        }
    }

    /// Trims acknowledged history from each stream.
    func trim() async {
        for (queue, _) in self.streams {
            do {
                try await self.broker.trimResults(queue: queue, group: self.configuration.group)
            } catch {
                self.logger.failure(.warning, "could not trim a results stream", error: error, metadata: ["queue": "\(queue)"])
            }
        }
    }

    /// A failed read: the group may have gone with its stream (someone deleted the key), or Redis is down.
    func readFailed(_ error: any Error) async {
        self.logger.failure(.warning, "could not read the results streams", error: error)
        self.metrics.failures.increment()
        await self.recreateGroupsIfGone(error)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.retryBackoff) }
    }

    /// Creates the groups again after a `NOGROUP` reply.
    func recreateGroupsIfGone(_ error: any Error) async {
        guard let redis = error as? RedisError, redis.serverMessage?.hasPrefix("NOGROUP") == true else { return }
        do {
            try await self.ensureGroups()
        } catch {
            self.logger.failure(.warning, "could not create the consumer groups", error: error)
        }
    }

    /// Runs `body` until it succeeds, waiting a capped, doubling back-off after each failure; gives up (returns
    /// `false`) once graceful shutdown has begun.
    func untilDone(_ what: String, _ body: () async throws -> Void) async -> Bool {
        var wait = self.configuration.retryBackoff
        var failures = 0
        while !Task.isCancelled {
            do {
                try await body()
                if failures > 0 { self.logger.notice("recovered after failures", metadata: ["what": "\(what)", "failures": "\(failures)"]) }
                return true
            } catch {
                failures += 1
                self.metrics.failures.increment()
                self.logger.failure(
                    failures == 1 ? .warning : .debug, "could not \(what); trying again", error: error,
                    metadata: ["failures": "\(failures)", "wait": "\(wait)"])
            }
            guard !Task.isShuttingDownGracefully else { return false }
            let pause = wait
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isShuttingDownGracefully else { return false }
            wait = min(wait * 2, self.configuration.maximumRetryBackoff)
        }
        return false
    }

    /// Counts what a batch did.
    func count(_ result: ResultApplication) {
        self.metrics.applied.increment(by: result.recorded + result.coalesced)
        self.metrics.unknownPost.increment(by: result.unknownPosts)
        self.metrics.duplicate.increment(by: result.duplicates)
        self.metrics.rejected.increment(by: result.rejected)
    }
}
