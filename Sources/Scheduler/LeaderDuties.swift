import CoreMetrics
import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
import ServiceLifecycle

/// What the leading scheduler does, one small loop per chore. Each loop runs until cancelled (the lead ended) and
/// throws ``SchedulerService/LeadershipLost`` when PostgreSQL refuses its fencing token.
struct LeaderDuties: Sendable {
    let configuration: SchedulerConfiguration
    let postgres: PostgresClient
    let redis: RedisClient
    let enqueuer: PostEnqueuer
    let refresher: TokenRefresher?
    let clock: RedisClock
    let keys: SchedulerKeys
    let fence: SchedulerFence
    let logger: Logger

    var repository: SchedulerRepository { SchedulerRepository(client: self.postgres) }
    var broker: RedisJobBroker { RedisJobBroker(client: self.redis, completedRetention: self.configuration.completedRetention) }

    /// Every loop of the lead.
    var all: [@Sendable () async throws -> Void] {
        let maintenance = self.configuration.maintenance
        var loops: [@Sendable () async throws -> Void] = [
            { try await self.every(self.configuration.loadInterval, "timed-post loader") { try await self.loadDue() } },
            { try await self.every(self.configuration.outboxInterval, "outbox reconciler") { try await self.reconciler.reconcile() } },
            { try await self.every(self.configuration.statusInterval, "status publisher") { try await self.status.publish() } },
            { try await MaintenanceLoop.forwarder(broker: self.broker, configuration: maintenance, logger: self.logger).run() },
            { try await MaintenanceLoop.leaseRecoverer(broker: self.broker, configuration: maintenance, logger: self.logger).run() },
            { try await MaintenanceLoop.janitor(broker: self.broker, configuration: maintenance, logger: self.logger).run() },
        ]
        if let refresher = self.refresher {
            loops.append { try await self.every(self.configuration.refreshInterval, "token refresher") { try await self.refreshTokens(refresher) } }
        }
        return loops
    }

    var reconciler: OutboxReconciler {
        OutboxReconciler(
            repository: self.repository, redis: self.redis, enqueuer: self.enqueuer, clock: self.clock, queues: self.configuration.queues,
            grace: self.configuration.outboxGrace, fence: self.fence, logger: self.logger)
    }

    var status: SchedulerStatus {
        SchedulerStatus(
            repository: self.repository, redis: self.redis, clock: self.clock, keys: self.keys, queues: self.configuration.queues,
            recorderGroup: self.configuration.recorderGroup, fence: self.fence, interval: self.configuration.statusInterval)
    }

    /// Runs `step` every `interval` until cancelled; a stale fencing token ends the lead, other errors are logged and
    /// the loop goes on.
    ///
    /// A step that has begun is finished even when the lead ends meanwhile (the lead's end cancels this loop): a loader
    /// step cut between its commit and its push would leave posts for the outbox reconciler, late by its grace period.
    /// Its writes are fenced, and its push is idempotent, so finishing it is always safe.
    func every(_ interval: Duration, _ name: String, _ step: @escaping @Sendable () async throws -> Void) async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                // Not a child of this task, so the lead's cancellation does not reach into the step; awaited here.
                try await Task { try await step() }.value
            } catch let error as DomainError where error.code == .staleLeader {
                throw SchedulerService.LeadershipLost(reason: error.message)
            } catch is CancellationError {
                return
            } catch {
                self.logger.warning("\(name) step failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// Loads due posts until fewer than a batch came (a backlog after downtime is loaded at once, batch by batch).
    func loadDue() async throws {
        while !Task.isCancelled {
            let now = try await self.clock.now()
            let result = try await self.repository.loadDue(
                now: now, lookAhead: self.configuration.lookAhead.timeInterval, misfireWindow: self.configuration.misfireWindow.timeInterval,
                limit: self.configuration.loadBatch, fence: self.fence)
            if !result.missed.isEmpty {
                self.logger.warning("timed posts missed their run time", metadata: ["count": "\(result.missed.count)"])
                Counter(label: "reelay.scheduler.posts_missed").increment(by: result.missed.count)
            }
            if !result.queued.isEmpty {
                // Committed as `queued` first (the outbox); a push lost here is pushed again by the reconciler.
                do {
                    try await self.enqueuer.enqueue(ids: result.queued, now: now)
                } catch {
                    self.logger.warning(
                        "timed posts queued in PostgreSQL but not pushed to Redis; the outbox reconciler will push them",
                        metadata: ["count": "\(result.queued.count)", "error": "\(error)"])
                }
                Counter(label: "reelay.scheduler.posts_loaded").increment(by: result.queued.count)
                self.logger.debug("timed posts loaded", metadata: ["count": "\(result.queued.count)"])
            }
            guard result.queued.count == self.configuration.loadBatch || result.missed.count == self.configuration.loadBatch else { return }
        }
    }

    /// Refreshes every account whose access token expires within the window, one at a time (each single-flight), then
    /// puts back into the workers' cache the good tokens it lacks.
    func refreshTokens(_ refresher: TokenRefresher) async throws {
        let now = try await self.clock.now()
        let ids = try await self.repository.accountsToRefresh(now: now, ahead: self.configuration.refreshAhead.timeInterval, limit: 100)
        for id in ids {
            guard !Task.isCancelled else { return }
            do {
                _ = try await refresher.refresh(id)
                Counter(label: "reelay.scheduler.tokens_refreshed").increment()
            } catch {
                // `needs_reauth` is already recorded on the account by the refresher; anything else is tried next round.
                self.logger.warning("token refresh failed", metadata: ["account.id": "\(id.uuidString.lowercased())", "error": "\(error)"])
            }
        }
        let warmed = try await refresher.warmCache(now: now)
        if warmed > 0 { self.logger.notice("stored tokens put back in the workers' cache", metadata: ["count": "\(warmed)"]) }
    }

    /// The lead ended: this process no longer claims it in its gauges.
    func stepDown() async {
        Gauge(label: "reelay.scheduler.leader").record(0)
    }
}
