import Foundation
public import Logging
public import ServiceLifecycle

/// One background chore of the queue as a `Service`: it runs a step for every queue, sleeps for what the step asks
/// (or its interval), and stops at graceful shutdown. Build one with ``forwarder(broker:configuration:logger:)``,
/// ``leaseRecoverer(broker:configuration:logger:)`` or ``janitor(broker:configuration:logger:)``.
public struct MaintenanceLoop: Service {
    /// Runs the chore once for one queue; returns when the loop should run again at the latest (`nil`: its interval).
    typealias Step = @Sendable (_ queue: String) async throws -> Date?

    /// Waits for the next round of one queue, returning early when there is news (the forwarder's wake list).
    typealias Sleeper = @Sendable (_ queue: String, _ longest: Duration) async throws -> Void

    /// The chore's name, for logs.
    public let name: String
    let queues: [String]
    let interval: Duration
    let logger: Logger
    let step: Step
    /// When set, each queue gets a loop of its own that sleeps in it; otherwise one loop serves every queue.
    var sleeper: Sleeper?

    public func run() async throws {
        guard let sleeper = self.sleeper else { return await self.loop(self.queues, sleeper: nil) }
        await withDiscardingTaskGroup { group in
            for queue in self.queues { group.addTask { await self.loop([queue], sleeper: sleeper) } }
        }
    }

    private func loop(_ queues: [String], sleeper: Sleeper?) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wake = Date().addingTimeInterval(self.interval.timeInterval)
            // True when a step named the time (the next due job). A blocking wait in Redis ends on Redis's timer,
            // which runs every 1/hz (100 ms at the default hz 10), so it may overshoot by that much: the loop waits in
            // Redis (woken early by an earlier job) only until ``blockingTimerSlack`` before the named time, and sleeps
            // the rest exactly on the local clock.
            var exact = false
            for queue in queues {
                do {
                    if let again = try await self.step(queue), again < wake {
                        wake = again
                        exact = true
                    }
                } catch {
                    self.logger.failure(.warning, "\(self.name) step failed", error: error, metadata: ["queue": "\(queue)"])
                }
            }
            let sleep = Duration.microseconds(max(0, Int64(wake.timeIntervalSinceNow * 1_000_000)))
            guard sleep > .zero else { continue }
            do {
                guard let sleeper, let queue = queues.first else { throw CancellationError() }
                if !exact {
                    try await sleeper(queue, sleep)
                } else if sleep > Self.blockingTimerSlack * 3 / 2 {
                    try await sleeper(queue, sleep - Self.blockingTimerSlack)
                } else {
                    throw CancellationError()  // short: sleep exactly below
                }
            } catch {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sleep) }
            }
        }
    }

    /// How late Redis may end a blocking wait past its timeout (one tick of its 10 Hz timer, with a margin).
    static let blockingTimerSlack: Duration = .milliseconds(120)

    /// Moves due delayed and retry jobs to their ready lists, with one loop per queue. Each sleeps until the next due
    /// job, at most ``MaintenanceConfiguration/forwarderMaximumSleep``, inside a blocking wait on the queue's wake list,
    /// which the enqueue, retry and snooze scripts push to when they schedule a job earlier than every other: a newly
    /// earlier job is promoted on time, not after the sleep. It goes again at once while a full batch was due.
    public static func forwarder(broker: any JobBroker, configuration: MaintenanceConfiguration, logger: Logger) -> MaintenanceLoop {
        var loop = MaintenanceLoop(
            name: "forwarder", queues: configuration.queues, interval: configuration.forwarderMaximumSleep, logger: logger
        ) { queue in
            let now = try await broker.now()
            let step = try await broker.promoteDue(queue: queue, now: now, limit: configuration.forwarderBatch)
            // `nextDue` is on Redis's clock; the loop sleeps on the local one.
            return step.moved == configuration.forwarderBatch ? Date() : step.nextDue.map { Date().addingTimeInterval($0.timeIntervalSince(now)) }
        }
        loop.sleeper = { queue, longest in
            _ = try await broker.waitForEarlierSchedule(queue: queue, timeout: min(longest, .seconds(2)))
        }
        return loop
    }

    /// Puts back jobs whose worker stopped renewing their lease (crash, partition), and ids left in `active` without a
    /// lease; a job that stalled more than ``MaintenanceConfiguration/maximumStalls`` times is dead.
    public static func leaseRecoverer(broker: any JobBroker, configuration: MaintenanceConfiguration, logger: Logger) -> MaintenanceLoop {
        MaintenanceLoop(name: "lease recoverer", queues: configuration.queues, interval: configuration.recoveryInterval, logger: logger) { queue in
            let recovered = try await broker.recoverExpiredLeases(
                queue: queue, now: try await broker.now(), maxStalls: configuration.maximumStalls, orphanGrace: configuration.orphanGrace)
            if !recovered.isEmpty {
                logger.warning("recovered jobs of lost workers", metadata: ["queue": "\(queue)", "count": "\(recovered.count)"])
            }
            return nil
        }
    }

    /// Applies retention to dead jobs by age and count (completed job hashes expire by themselves).
    public static func janitor(broker: any JobBroker, configuration: MaintenanceConfiguration, logger: Logger) -> MaintenanceLoop {
        MaintenanceLoop(name: "janitor", queues: configuration.queues, interval: configuration.retentionInterval, logger: logger) { queue in
            try await broker.applyRetention(
                queue: queue, completedFor: .seconds(86400), deadFor: configuration.deadRetention, deadLimit: configuration.deadLimit,
                now: try await broker.now())
            return nil
        }
    }
}
