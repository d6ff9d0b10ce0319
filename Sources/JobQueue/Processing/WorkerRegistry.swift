import Foundation
public import Logging
public import Redis
public import ServiceLifecycle

/// Announces a worker process in Redis while it runs: `reelay:workers` (sorted set: worker id → last beat, ms) and
/// `reelay:worker:<id>` (hash: host, pid, version, queues, concurrency, in_flight, started_at, beat_at), which expires
/// when the beats stop. `redis-cli ZRANGE reelay:workers 0 -1 WITHSCORES` lists the fleet.
public struct WorkerRegistry: Service {
    /// What the registry says about this worker.
    public struct Identity: Sendable {
        /// The worker's id (as in its leases).
        public var workerID: String
        /// Host name.
        public var host: String
        /// Process id.
        public var pid: Int32
        /// Reelay's version.
        public var version: String
        /// Queues it listens to.
        public var queues: [String]
        /// Its slots.
        public var concurrency: Int

        /// An identity with every field given.
        public init(workerID: String, host: String, pid: Int32, version: String, queues: [String], concurrency: Int) {
            self.workerID = workerID
            self.host = host
            self.pid = pid
            self.version = version
            self.queues = queues
            self.concurrency = concurrency
        }
    }

    let client: RedisClient
    let identity: Identity
    let interval: Duration
    let inFlight: @Sendable () -> Int
    let prefix: String
    let logger: Logger

    /// A registry beating every `interval` (the hash lives for three intervals); `inFlight` reports running jobs.
    public init(
        client: RedisClient, identity: Identity, interval: Duration = .seconds(5), prefix: String = "reelay", logger: Logger,
        inFlight: @escaping @Sendable () -> Int
    ) {
        self.client = client
        self.identity = identity
        self.interval = interval
        self.inFlight = inFlight
        self.prefix = prefix
        self.logger = logger
    }

    var setKey: String { Self.setKey(prefix: self.prefix) }
    var hashKey: String { Self.hashKey(prefix: self.prefix, workerID: self.identity.workerID) }

    /// `prefix:workers`: worker id → last beat (ms).
    static func setKey(prefix: String) -> String { "\(prefix):workers" }
    /// `prefix:worker:<id>`: one worker's announcement.
    static func hashKey(prefix: String, workerID: String) -> String { "\(prefix):worker:\(workerID)" }

    public func run() async throws {
        let started = Date().epochMilliseconds
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await self.beat(startedAt: started)
            } catch {
                self.logger.failure(.warning, "worker heartbeat failed", error: error)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        _ = try? await self.client.pipeline([["ZREM", self.setKey, self.identity.workerID], ["DEL", self.hashKey]])
    }

    /// Writes one beat and forgets workers whose beats stopped three intervals ago.
    func beat(startedAt: Int64) async throws {
        let now = Date().epochMilliseconds
        let ttl = Int64(self.interval.timeInterval * 3000)
        let replies = try await self.client.pipeline([
            [
                "HSET", self.hashKey, "host", self.identity.host, "pid", String(self.identity.pid), "version", self.identity.version,
                "queues", self.identity.queues.joined(separator: ","), "concurrency", String(self.identity.concurrency),
                "in_flight", String(self.inFlight()), "started_at", String(startedAt), "beat_at", String(now),
            ],
            ["PEXPIRE", self.hashKey, String(ttl)],
            ["ZADD", self.setKey, String(now), self.identity.workerID],
            ["ZREMRANGEBYSCORE", self.setKey, "-inf", String(now - ttl)],
        ])
        if let message = replies.compactMap(\.errorMessage).first { throw JobQueueError(.broker, detail: message) }
    }
}
