import Foundation
public import Logging
import Metrics
public import ServiceLifecycle

/// The worker runtime: `concurrency` slots fed by one pickup loop that claims as many jobs as there are free slots in a
/// single call (blocking pickup when none is ready, no polling); each job runs its handler with a timeout and is
/// completed, retried, snoozed or buried. Completions are written in batches (whatever finished while the previous
/// batch was written), and a job stays leased, with its lease renewed, until its completion is recorded. One heartbeat
/// loop renews the leases of every running job and cancels a handler whose lease another worker took over; a worker
/// whose renewals do not get through (Redis unreachable) cancels each handler once the job's lease has run out as far
/// as it knows (from when the last renewal that succeeded was sent), since another worker may then hold the job. A
/// handler that returned successfully keeps its success, even when its timeout or the shutdown grace fired meanwhile.
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
    let metrics: JobMetricsCache
    let slots: SlotGate
    let completions: CompletionBatcher<PendingCompletion>

    /// A job whose handler succeeded, waiting for its completion to be written.
    struct PendingCompletion: Sendable {
        var job: LeasedJob
        var logger: Logger
        var metrics: JobMetrics
    }

    /// A processor running the handlers of `registry` on jobs from `broker`.
    /// `metrics` holds the job counters and timer (the process's metrics backend by default).
    public init(
        broker: any JobBroker, registry: JobRegistry, configuration: WorkerConfiguration, logger: Logger,
        metrics: JobMetricsCache = JobMetricsCache()
    ) {
        self.metrics = metrics
        self.broker = broker
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.slots = SlotGate(slots: configuration.concurrency)
        self.completions = CompletionBatcher(maximumBatch: 500)
    }

    /// Jobs running right now.
    public var runningJobs: Int { self.inFlight.count }

    /// Runs the slots and the heartbeat until graceful shutdown, then drains. With
    /// ``WorkerConfiguration/runsOnBrokerExecutor`` every loop and slot runs on the broker's preferred executor (the
    /// Redis client's event loop), so each broker call is written and answered on one thread, with no hop.
    public func run() async throws {
        if self.configuration.runsOnBrokerExecutor, let executor = self.broker.preferredTaskExecutor {
            try await withTaskExecutorPreference(executor) { try await self.runLoops() }
        } else {
            try await self.runLoops()
        }
    }

    private func runLoops() async throws {
        try self.validate()
        self.logger.info(
            "worker started",
            metadata: ["worker.id": "\(self.configuration.workerID)", "queues": "\(self.configuration.queues.map(\.name))",
                "concurrency": "\(self.configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { heartbeat in
            heartbeat.addTask { await self.heartbeatLoop() }
            heartbeat.addTask { await self.watchdogLoop() }
            heartbeat.addTask { await self.shutdownDeadline() }
            await withTaskGroup(of: Void.self) { writer in
                writer.addTask { await self.completionLoop() }
                await withDiscardingTaskGroup { jobs in
                    await self.pickupLoop(into: &jobs)
                }
                self.completions.finish()  // every job is done: write the last completions, then stop
            }
            heartbeat.cancelAll()  // every completion is written: no lease left to renew, no job left to stop
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
        guard self.configuration.completionLinger >= .zero, self.configuration.completionLinger < self.configuration.heartbeatInterval else {
            throw JobQueueError(.invalidArgument, detail: "completionLinger must be at least 0 and shorter than heartbeatInterval")
        }
    }

    // MARK: - Slots

    /// Claims as many jobs as there are free slots (plus ``WorkerConfiguration/prefetch`` to keep in hand) and starts
    /// each in `jobs`, until graceful shutdown; then puts back the prefetched jobs that never started.
    private func pickupLoop(into jobs: inout DiscardingTaskGroup) async {
        let picker = QueuePicker(queues: self.configuration.queues, strict: self.configuration.strictPriority)
        var generator = SystemRandomNumberGenerator()
        var buffer: [LeasedJob] = []  // taken and leased (renewed by the heartbeat), waiting for a slot
        var failures = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let startable = min(buffer.count, self.slots.freeCount)
            if startable > 0 {
                let batch = Array(buffer.prefix(startable))
                buffer.removeFirst(startable)
                await self.start(batch, in: &jobs)
            }
            let free = self.slots.freeCount
            let room = free + self.configuration.prefetch - buffer.count
            if room > 0 {
                // Block for the next job only when a slot is idle with nothing in hand; otherwise take what is ready.
                let blocking = free > 0 && buffer.isEmpty
                do {
                    let sent = ContinuousClock.now  // Redis sets the leases after this: they last at least until sent + lease
                    let claimed = try await self.claim(order: picker.order(using: &generator), limit: min(room, 1_000), blocking: blocking)
                    failures = 0
                    if Task.isShuttingDownGracefully {
                        // Taken while shutdown began (a blocking pickup that was already waiting): put back unstarted.
                        await self.putBack(claimed)
                        break
                    }
                    for job in claimed { self.inFlight.hold(job, leaseDeadline: sent + self.configuration.leaseDuration) }
                    buffer += claimed
                    if !claimed.isEmpty || blocking { continue }
                } catch {
                    // Redis down or refusing: back off (up to 2 s) instead of spinning; the client reconnects by itself.
                    failures += 1
                    self.logger.failure(.warning, "pickup failed", error: error)
                    try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failures, 6))))
                    continue
                }
            }
            // Every slot is busy, and the buffer is full or nothing is ready: wait for a slot.
            let freed = await withTaskCancellationOrGracefulShutdownHandler {
                await self.slots.waitForFree()
            } onCancelOrGracefulShutdown: {
                self.slots.close()
            }
            if freed == 0 { break }
        }
        await self.putBack(buffer)
        for job in buffer { self.inFlight.remove(job) }
    }

    /// Starts taken jobs in free slots (one per job), after marking them started in Redis with one call: a job whose
    /// lease was taken over while it waited in the buffer, or that cannot be marked (Redis away), is not run, and costs
    /// no attempt or stall when its lease expires.
    private func start(_ batch: [LeasedJob], in jobs: inout DiscardingTaskGroup) async {
        var live: [LeasedJob] = []
        for job in batch {
            if self.inFlight.isLost(job, now: .now) {
                self.inFlight.remove(job)
                self.logger.warning("a prefetched job's lease was taken over or ran out before it started", metadata: ["job.id": "\(job.id)"])
            } else {
                live.append(job)
            }
        }
        let started = await self.broker.start(live)
        for (job, isStarted) in zip(live, started) {
            guard isStarted else {
                self.inFlight.remove(job)
                continue
            }
            self.slots.take()
            jobs.addTask {
                await self.process(job)
                self.slots.release()
            }
        }
    }

    /// Returns jobs this worker claimed but will not start to the head of their ready lists, without using an attempt;
    /// one that cannot be put back is recovered when its lease expires.
    private func putBack(_ jobs: [LeasedJob]) async {
        for job in jobs {
            do {
                try await self.broker.requeue(job, now: try await self.broker.now())
            } catch {
                self.logger.failure(
                    .warning, "could not put back a job taken during shutdown; it returns when its lease expires", error: error,
                    metadata: ["job.id": "\(job.id)"])
            }
        }
    }

    /// Takes up to `limit` jobs from the queues in `order`: whatever is ready in the first queue that has some; when
    /// `blocking` and none has any, waits on the last queue (the full pickup wait when it is the only one, at most
    /// 100 ms otherwise, so the other queues are looked at again soon).
    private func claim(order: [String], limit: Int, blocking: Bool) async throws -> [LeasedJob] {
        for (index, queue) in order.enumerated() {
            let isLast = index == order.count - 1
            var wait: Duration = .zero
            if blocking, isLast { wait = order.count == 1 ? self.configuration.claimWait : min(self.configuration.claimWait, .milliseconds(100)) }
            let jobs = try await self.broker.claim(
                queue: queue, worker: self.configuration.workerID, limit: limit, leaseDuration: self.configuration.leaseDuration,
                wait: wait, now: try await self.broker.now())
            if !jobs.isEmpty { return jobs }
            if Task.isShuttingDownGracefully { return [] }
        }
        return []
    }

    // MARK: - Running one job

    enum Outcome: Sendable {
        case completed
        case failed(String, permanent: Bool)
        case snoozed(until: Date, reason: String)
        case timedOut
        case leaseLost
        case leaseExpired
        case shutdownDeadline
    }

    func process(_ job: LeasedJob) async {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.name"] = "\(job.name)"
        logger[metadataKey: "queue"] = "\(job.queue)"
        let metrics = self.metrics.metrics(queue: job.queue, job: job.name)
        metrics.started.increment()
        let started = ContinuousClock.now
        self.inFlight.insert(
            job, deadline: started + (job.timeout ?? self.configuration.defaultTimeout), leaseDeadline: started + self.configuration.leaseDuration)
        let outcome = await self.run(job, logger: logger)
        metrics.duration.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        await self.settle(job, outcome: outcome, logger: logger, metrics: metrics)
        // A completion stays in flight (leased, renewed) until the completion loop has written it.
        if case .completed = outcome { return }
        self.inFlight.remove(job)
    }

    /// Writes completions in batches until the batcher is finished. A batch that cannot be written is tried again for
    /// a few seconds (Redis restarting); after that the jobs' leases expire and they run again, so nothing is lost.
    /// Within ``WorkerConfiguration/completionLinger`` of its last write it waits for that to pass first, so that under
    /// load each write carries more completions; after a quiet spell the first completion goes at once.
    private func completionLoop() async {
        var lastWrite: ContinuousClock.Instant?
        while true {
            if let lastWrite, case let quietAt = lastWrite + self.configuration.completionLinger, quietAt > .now {
                try? await Task.sleep(until: quietAt, clock: .continuous)
            }
            guard let batch = await self.completions.nextBatch() else { break }
            defer { lastWrite = .now }
            var lost: Set<JobID>?
            for attempt in 0..<8 {
                do {
                    lost = try await self.broker.complete(batch.map(\.job), now: try await self.broker.now())
                    break
                } catch {
                    self.logger.failure(.warning, "could not record completions; will retry", error: error, metadata: ["count": "\(batch.count)"])
                    try? await Task.sleep(for: .milliseconds(25 << attempt))
                }
            }
            for pending in batch {
                if let lost, !lost.contains(pending.job.id) {
                    pending.metrics.completed.increment()
                } else if lost != nil {
                    pending.logger.warning("job finished after its lease was taken over; the new owner decides")
                } else {
                    pending.logger.error("could not record the job's completion; its lease will expire and it will run again")
                }
                self.inFlight.remove(pending.job)
            }
        }
    }

    /// Records the outcome with the broker; a lost lease means someone else owns the job now, so nothing is written.
    private func settle(_ job: LeasedJob, outcome: Outcome, logger: Logger, metrics: JobMetrics) async {
        do {
            let now = try await self.broker.now()
            switch outcome {
            case .completed:
                self.completions.submit(PendingCompletion(job: job, logger: logger, metrics: metrics))
            case .failed(let message, let permanent):
                try await self.recordFailure(job, message: message, permanent: permanent, now: now, logger: logger, metrics: metrics)
            case .timedOut:
                let limit = job.timeout ?? self.configuration.defaultTimeout
                try await self.recordFailure(job, message: "timed out after \(limit)", permanent: false, now: now, logger: logger, metrics: metrics)
            case .snoozed(let until, let reason):
                try await self.broker.snooze(job, until: until, now: now)
                logger.info("job snoozed", metadata: ["until": "\(until)", "reason": "\(reason)"])
            case .leaseLost:
                logger.warning("lease lost while running: handler cancelled, the job belongs to another worker now")
            case .leaseExpired:
                // Nothing is written: another worker may hold the job; if none does, lease recovery puts it back.
                logger.warning("lease ran out while renewals failed: handler cancelled, the job may belong to another worker now")
            case .shutdownDeadline:
                try await self.broker.requeue(job, now: now)
                logger.notice("shutdown grace over: job put back without using an attempt")
            }
        } catch let error as JobQueueError where error.code == .leaseLost {
            logger.warning("lease lost before the outcome was recorded; the new owner decides")
        } catch {
            // The lease will expire and the recoverer will put the job back: nothing is lost.
            logger.failure(.error, "could not record the job's outcome; its lease will expire and it will run again", error: error)
        }
    }

    private func recordFailure(
        _ job: LeasedJob, message: String, permanent: Bool, now: Date, logger: Logger, metrics: JobMetrics
    ) async throws {
        let retry = self.registry.entry(for: job.name)?.retry ?? RetryPolicy()
        let retryAt = now.addingTimeInterval(retry.delay(afterAttempt: job.attempt).timeInterval)
        let state = try await self.broker.fail(job, error: message, permanent: permanent, retryAt: retryAt, now: now)
        metrics.failed.increment()
        if state == .dead {
            metrics.dead.increment()
            logger.error("job dead", metadata: ["error": "\(message)", "attempt": "\(job.attempt)"])
        } else {
            metrics.retried.increment()
            logger.warning("job failed, will retry", metadata: ["error": "\(message)", "attempt": "\(job.attempt)", "retry_at": "\(retryAt)"])
        }
    }
}
