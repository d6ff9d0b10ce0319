import CoreMetrics
import Domain
import Foundation
public import JobQueue
public import Logging
public import Postgres
public import Publishing
public import Redis
public import ServiceLifecycle

/// `reelay scheduler`: several may run, exactly one leads. Each process tries to take the Redis lease
/// (``LeaderLease``); the one that holds it runs the leader's duties until it loses the lease or shuts down:
/// - the timed-post loader (``SchedulerRepository/loadDue(now:lookAhead:misfireWindow:limit:fence:)``: misfire policy,
///   then due posts into Redis's scheduled set at their exact run time);
/// - the queue maintenance loops (forwarder, lease recovery, janitor);
/// - the outbox reconciler (``OutboxReconciler``);
/// - the token refresher (when given a ``TokenRefresher``);
/// - the status publisher (lag, stuck posts, recorder lag; ``SchedulerStatus``).
///
/// The others stand by, trying for the lease every ``SchedulerConfiguration/standbyPoll``. At graceful shutdown a
/// leader gives the lease up, so a standby takes over at once; a leader killed holding it is replaced when the lease
/// runs out. Nothing fires twice across a handover: each firing is a fenced PostgreSQL transaction that moves posts out
/// of `scheduled` under row locks, and the push to Redis is idempotent by job id.
public struct SchedulerService: Service {
    let configuration: SchedulerConfiguration
    let postgres: PostgresClient
    let redis: RedisClient
    let enqueuer: PostEnqueuer
    let refresher: TokenRefresher?
    let clock: RedisClock
    let logger: Logger
    let lease: LeaderLease
    let keys: SchedulerKeys

    /// A scheduler identified as `id` (`host:pid:random` by default).
    public init(
        configuration: SchedulerConfiguration, postgres: PostgresClient, redis: RedisClient, enqueuer: PostEnqueuer, refresher: TokenRefresher?,
        logger: Logger, id: String = SchedulerService.defaultID(), keys: SchedulerKeys = SchedulerKeys()
    ) {
        var configuration = configuration
        configuration.maintenance.queues = configuration.queues
        self.configuration = configuration
        self.postgres = postgres
        self.redis = redis
        self.enqueuer = enqueuer
        self.refresher = refresher
        self.clock = RedisClock(client: redis)
        self.logger = logger
        self.lease = LeaderLease(redis: redis, id: id, duration: configuration.lease, keys: keys)
        self.keys = keys
    }

    /// `host:pid:random8`.
    public static func defaultID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        Self.registerMetrics()
        self.logger.info("scheduler standing by", metadata: ["scheduler.id": "\(self.lease.id)"])
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if let token = await self.acquire() {
                let fence = SchedulerFence(leader: self.lease.id, token: token)
                self.logger.notice("scheduler leads", metadata: ["scheduler.id": "\(self.lease.id)", "scheduler.fencing_token": "\(token)"])
                let ended = await self.lead(fence)
                switch ended {
                case .shutdown:
                    await self.lease.release(token: token)
                    self.logger.notice("scheduler gave up the lead at shutdown", metadata: ["scheduler.id": "\(self.lease.id)"])
                    return
                case .lost(let why):
                    self.logger.warning("scheduler lost the lead", metadata: ["scheduler.id": "\(self.lease.id)", "reason": "\(why)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.standbyPoll) }
        }
    }

    /// Takes the lease when free and makes sure the token is above every token PostgreSQL has seen.
    private func acquire() async -> Int64? {
        do {
            guard var token = try await self.lease.tryAcquire() else { return nil }
            let stored = try await SchedulerRepository(client: self.postgres).storedFenceToken()
            if token <= stored {
                guard let advanced = try await self.lease.advance(to: stored + 1) else { return nil }
                token = advanced
            }
            return token
        } catch {
            self.logger.warning("could not try for the scheduler lease", metadata: ["error": "\(error)"])
            return nil
        }
    }

    enum LeadEnd: Sendable {
        case shutdown
        case lost(String)
    }

    /// Why a duty stopped the lead.
    struct LeadershipLost: Error {
        var reason: String
    }

    /// Runs the duties beside the lease renewal until one of them finds the lead lost, or shutdown.
    private func lead(_ fence: SchedulerFence) async -> LeadEnd {
        let duties = LeaderDuties(
            configuration: self.configuration, postgres: self.postgres, redis: self.redis, enqueuer: self.enqueuer, refresher: self.refresher,
            clock: self.clock, keys: self.keys, fence: fence, logger: self.logger)
        return await withTaskGroup(of: LeadEnd?.self) { group in
            group.addTask { await self.renewUntilLost(fence) }
            for duty in duties.all {
                group.addTask {
                    do {
                        try await duty()
                        return nil
                    } catch let lost as LeadershipLost {
                        return .lost(lost.reason)
                    } catch {
                        return nil
                    }
                }
            }
            var end: LeadEnd = .shutdown
            for await result in group {
                guard let result else { continue }
                end = result
                break
            }
            group.cancelAll()
            // Wait for every duty to stop before anyone else may lead from this process.
            while await group.next() != nil {}
            await duties.stepDown()
            return end
        }
    }

    /// Renews the lease every third of its length; returns at shutdown, or when the lease is lost (refused, or not
    /// renewed before it would have run out by this host's monotonic clock).
    private func renewUntilLost(_ fence: SchedulerFence) async -> LeadEnd {
        var renewedAt = ContinuousClock.now
        let every = self.configuration.lease / 3
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return .shutdown
            }
            if Task.isShuttingDownGracefully { return .shutdown }
            do {
                // Counted from before the request: Redis extended the lease at some moment after this one.
                let sent = ContinuousClock.now
                guard try await self.lease.renew(token: fence.token) else { return .lost("the lease was taken over") }
                renewedAt = sent
            } catch {
                // Redis did not answer: the lease may run out while this process cannot tell. Step down a margin
                // before it would, so two leaders never run their loops at once.
                if ContinuousClock.now - renewedAt > self.configuration.lease - every {
                    return .lost("the lease could not be renewed: \(error)")
                }
            }
        }
        return .shutdown
    }
}

extension SchedulerService {
    /// Makes the scheduler's counters and its leader gauge exist from the start (at 0), so a dashboard or an alert on
    /// them sees a series from every scheduler, not only from one that has loaded, missed or refreshed something.
    static func registerMetrics() {
        for name in ["posts_loaded", "posts_missed", "tokens_refreshed", "outbox_requeued"] {
            Counter(label: "reelay.scheduler.\(name)").increment(by: 0)
        }
        Gauge(label: "reelay.scheduler.leader").record(0)
    }
}
