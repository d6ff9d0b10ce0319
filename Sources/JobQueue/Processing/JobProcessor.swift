public import Foundation
public import Logging
import Metrics
public import ServiceLifecycle

/// The worker runtime: `concurrency` slots, each taking one job at a time from its queues (blocking pickup, no polling),
/// running its handler with a timeout, and completing, retrying, snoozing or burying it; one heartbeat loop renews the
/// leases of every running job and cancels a handler whose lease another worker took over.
///
/// Graceful shutdown (SIGTERM/SIGINT through the process's `ServiceGroup`): slots stop taking jobs, running jobs get
/// ``WorkerConfiguration/shutdownGrace`` to finish, and those still running then are cancelled and put back at the
/// head of their ready list without using an attempt.
public final class JobProcessor: Service, Sendable {
    /// How jobs are taken and run.
    public let configuration: WorkerConfiguration
    let broker: any JobBroker
    let registry: JobRegistry
    let logger: Logger
    let inFlight = InFlightJobs()

    /// A processor running the handlers of `registry` on jobs from `broker`.
    public init(broker: any JobBroker, registry: JobRegistry, configuration: WorkerConfiguration, logger: Logger) {
        self.broker = broker
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
    }

    /// Jobs running right now.
    public var runningJobs: Int { self.inFlight.count }

    /// Runs the slots and the heartbeat until graceful shutdown, then drains.
    public func run() async throws {
        try self.validate()
        self.logger.info(
            "worker started",
            metadata: ["worker.id": "\(self.configuration.workerID)", "queues": "\(self.configuration.queues.map(\.name))",
                "concurrency": "\(self.configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { heartbeat in
            heartbeat.addTask { await self.heartbeatLoop() }
            await withDiscardingTaskGroup { slots in
                for slot in 0..<self.configuration.concurrency {
                    slots.addTask { await self.slotLoop(slot) }
                }
            }
            heartbeat.cancelAll()  // every slot is done: no lease left to renew
        }
        self.logger.info("worker stopped", metadata: ["worker.id": "\(self.configuration.workerID)"])
    }

    private func validate() throws {
        guard self.configuration.concurrency > 0, !self.configuration.queues.isEmpty else {
            throw JobQueueError(.invalidArgument, detail: "a worker needs at least one slot and one queue")
        }
        for queue in self.configuration.queues { try QueueKeys.validate(queue: queue.name) }
        guard self.configuration.claimWait > .zero, self.configuration.claimWait <= .seconds(2) else {
            throw JobQueueError(.invalidArgument, detail: "claimWait must be more than 0 and at most 2 s")
        }
        guard self.configuration.heartbeatInterval < self.configuration.leaseDuration else {
            throw JobQueueError(.invalidArgument, detail: "heartbeatInterval must be shorter than leaseDuration")
        }
    }

    // MARK: - Slots

    private func slotLoop(_ slot: Int) async {
        let picker = QueuePicker(queues: self.configuration.queues, strict: self.configuration.strictPriority)
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                guard let job = try await self.claimOne(order: picker.order(using: &generator)) else { continue }
                failures = 0
                await self.process(job)
            } catch {
                // Redis down or refusing: back off (up to 2 s) instead of spinning; the client reconnects by itself.
                failures += 1
                self.logger.warning("pickup failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
            }
        }
    }

    /// Tries the queues in `order`: the first ones with a short wait, the last with the full pickup wait.
    private func claimOne(order: [String]) async throws -> LeasedJob? {
        for (index, queue) in order.enumerated() {
            let wait = index == order.count - 1 ? self.configuration.claimWait : .milliseconds(10)
            let jobs = try await self.broker.claim(
                queue: queue, worker: self.configuration.workerID, limit: 1, leaseDuration: self.configuration.leaseDuration,
                wait: wait, now: Date())
            if let job = jobs.first { return job }
            if Task.isShuttingDownGracefully { return nil }
        }
        return nil
    }

    // MARK: - Running one job

    enum Outcome: Sendable {
        case completed
        case failed(String, permanent: Bool)
        case snoozed(until: Date, reason: String)
        case timedOut
        case leaseLost
        case shutdownDeadline
    }

    func process(_ job: LeasedJob) async {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.name"] = "\(job.name)"
        logger[metadataKey: "queue"] = "\(job.queue)"
        let dimensions = [("queue", job.queue), ("job", job.name)]
        Counter(label: "reelay.jobs.started", dimensions: dimensions).increment()
        self.inFlight.insert(job)
        defer { self.inFlight.remove(job.id) }
        let started = ContinuousClock.now
        let outcome = await self.run(job, logger: logger)
        Timer(label: "reelay.jobs.duration", dimensions: dimensions).recordNanoseconds(
            Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        await self.settle(job, outcome: outcome, logger: logger, dimensions: dimensions)
    }

    /// Runs the handler, racing it against its timeout, the loss of its lease and the end of the shutdown grace.
    private func run(_ job: LeasedJob, logger: Logger) async -> Outcome {
        guard let entry = self.registry.entry(for: job.name) else {
            return .failed("no handler registered for job name '\(job.name)'", permanent: true)
        }
        let context = JobContext(job: job, logger: logger, broker: self.broker)
        let timeout = job.timeout ?? self.configuration.defaultTimeout
        let grace = self.configuration.shutdownGrace
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await entry.run(job, context)
                    return .completed
                } catch let snooze as SnoozeJob {
                    return .snoozed(until: snooze.until, reason: snooze.reason)
                } catch let permanent as PermanentJobError {
                    return .failed(permanent.description, permanent: true)
                } catch is CancellationError {
                    return nil  // one of the watchers below decided
                } catch {
                    return .failed(String(describing: error), permanent: false)
                }
            }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .timedOut
            }
            group.addTask {
                await self.inFlight.waitUntilLost(job.id)
                return Task.isCancelled ? nil : .leaseLost
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: grace)
                } catch { return nil }
                return .shutdownDeadline
            }
            var decided: Outcome?
            while let next = await group.next() {
                if let next, decided == nil {
                    decided = next
                    group.cancelAll()
                }
            }
            return decided ?? .failed("the handler was cancelled", permanent: false)
        }
    }

    /// Records the outcome with the broker; a lost lease means someone else owns the job now, so nothing is written.
    private func settle(_ job: LeasedJob, outcome: Outcome, logger: Logger, dimensions: [(String, String)]) async {
        let now = Date()
        do {
            switch outcome {
            case .completed:
                let lost = try await self.broker.complete([job], now: now)
                if lost.contains(job.id) {
                    logger.warning("job finished after its lease was taken over; the new owner decides")
                } else {
                    Counter(label: "reelay.jobs.completed", dimensions: dimensions).increment()
                }
            case .failed(let message, let permanent):
                try await self.recordFailure(job, message: message, permanent: permanent, now: now, logger: logger, dimensions: dimensions)
            case .timedOut:
                let limit = job.timeout ?? self.configuration.defaultTimeout
                try await self.recordFailure(job, message: "timed out after \(limit)", permanent: false, now: now, logger: logger, dimensions: dimensions)
            case .snoozed(let until, let reason):
                try await self.broker.snooze(job, until: until, now: now)
                logger.info("job snoozed", metadata: ["until": "\(until)", "reason": "\(reason)"])
            case .leaseLost:
                logger.warning("lease lost while running: handler cancelled, the job belongs to another worker now")
            case .shutdownDeadline:
                try await self.broker.requeue(job, now: now)
                logger.notice("shutdown grace over: job put back without using an attempt")
            }
        } catch let error as JobQueueError where error.code == .leaseLost {
            logger.warning("lease lost before the outcome was recorded; the new owner decides")
        } catch {
            // The lease will expire and the recoverer will put the job back: nothing is lost.
            logger.error("could not record the job's outcome; its lease will expire and it will run again", metadata: ["error": "\(error)"])
        }
    }

    private func recordFailure(
        _ job: LeasedJob, message: String, permanent: Bool, now: Date, logger: Logger, dimensions: [(String, String)]
    ) async throws {
        let retry = self.registry.entry(for: job.name)?.retry ?? RetryPolicy()
        let retryAt = now.addingTimeInterval(retry.delay(afterAttempt: job.attempt).timeInterval)
        let state = try await self.broker.fail(job, error: message, permanent: permanent, retryAt: retryAt, now: now)
        Counter(label: "reelay.jobs.failed", dimensions: dimensions).increment()
        if state == .dead {
            Counter(label: "reelay.jobs.dead", dimensions: dimensions).increment()
            logger.error("job dead", metadata: ["error": "\(message)", "attempt": "\(job.attempt)"])
        } else {
            Counter(label: "reelay.jobs.retried", dimensions: dimensions).increment()
            logger.warning("job failed, will retry", metadata: ["error": "\(message)", "attempt": "\(job.attempt)", "retry_at": "\(retryAt)"])
        }
    }

    // MARK: - Heartbeat

    /// Renews the leases of running jobs every heartbeat interval until cancelled (when the slots are done).
    private func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.configuration.heartbeatInterval)
            let jobs = self.inFlight.jobs
            if jobs.isEmpty || Task.isCancelled { continue }
            do {
                let lost = try await self.broker.extendLeases(jobs, duration: self.configuration.leaseDuration, now: Date())
                if !lost.isEmpty { self.inFlight.markLost(lost) }
            } catch {
                self.logger.warning("lease renewal failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
