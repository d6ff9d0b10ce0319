import Logging
import ServiceLifecycle

/// Stopping handlers: the race between a handler and its stop signal, the watchdog that raises the signal (timeout,
/// lease run out, shutdown grace) and the heartbeat that renews leases and reports the ones taken over.
extension JobProcessor {
    // MARK: - Handler against its stop signal

    /// Runs the handler, racing it against its stop signal from ``InFlightJobs``: its timeout, the loss of its lease (taken
    /// over, or run out without a renewal) or the end of the shutdown grace. A handler that returns successfully wins
    /// whatever fired meanwhile: its work is done, and failing or requeueing it would run it again.
    func run(_ job: LeasedJob, logger: Logger) async -> Outcome {
        guard let entry = self.registry.entry(for: job.name) else {
            return .failed("no handler registered for job name '\(job.name)'", permanent: true)
        }
        let context = JobContext(job: job, logger: logger, broker: self.broker) { self.inFlight.markLost(job) }
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
                    return nil  // the watcher below decided
                } catch {
                    return .failed(String(describing: error), permanent: false)
                }
            }
            group.addTask {
                switch await self.inFlight.waitForStop(job) {
                case .leaseLost: .leaseLost
                case .leaseExpired: .leaseExpired
                case .timedOut: .timedOut
                case .shutdownDeadline: .shutdownDeadline
                case nil: nil
                }
            }
            var decided: Outcome?
            while let next = await group.next() {
                if case .completed = next {
                    decided = .completed  // the handler finished, even if a stop fired as it did
                } else if let next, decided == nil {
                    decided = next
                }
                group.cancelAll()
            }
            return decided ?? .failed("the handler was cancelled", permanent: false)
        }
    }

    // MARK: - Watchdog

    /// How often the watchdog looks for jobs past their timeout while any job runs: a timeout fires within this much of
    /// its deadline. An idle worker's watchdog sleeps until a job starts.
    static let watchdogTick: Duration = .milliseconds(100)

    /// Stops jobs that ran past their timeout, until cancelled (when the slots are done).
    func watchdogLoop() async {
        while !Task.isCancelled {
            await self.inFlight.waitUntilBusy()
            try? await Task.sleep(for: Self.watchdogTick)
            self.inFlight.expire(now: .now)
        }
    }

    /// Once graceful shutdown begins, waits the grace period, then stops every job still running (they are put back).
    func shutdownDeadline() async {
        do {
            try await gracefulShutdown()
            try await Task.sleep(for: self.configuration.shutdownGrace)
        } catch { return }  // cancelled: every job finished first
        self.inFlight.stopAll()
    }

    // MARK: - Heartbeat

    /// Renews the leases of running jobs every heartbeat interval until cancelled (when the slots are done).
    func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.configuration.heartbeatInterval)
            let jobs = self.inFlight.jobs
            if jobs.isEmpty || Task.isCancelled { continue }
            // Redis extends the leases after this instant, so they last at least until it plus the lease duration.
            let sent = ContinuousClock.now
            do {
                let lost = try await self.broker.extendLeases(jobs, duration: self.configuration.leaseDuration, now: try await self.broker.now())
                if !lost.isEmpty { self.inFlight.markLost(lost) }
                self.inFlight.confirmLeases(jobs, until: sent + self.configuration.leaseDuration, except: lost)
            } catch {
                self.logger.failure(.warning, "lease renewal failed; will retry", error: error)
            }
        }
    }
}
