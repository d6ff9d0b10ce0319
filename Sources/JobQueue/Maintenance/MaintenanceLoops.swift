import Foundation
public import Logging
public import ServiceLifecycle

/// One background chore of the queue as a `Service`: it runs a step for every queue, sleeps for what the step asks
/// (or its interval), and stops at graceful shutdown. Build one with ``forwarder(broker:configuration:logger:)``,
/// ``leaseRecoverer(broker:configuration:logger:)`` or ``janitor(broker:configuration:logger:)``.
public struct MaintenanceLoop: Service {
    /// Runs the chore once for one queue; returns when the loop should run again at the latest (`nil`: its interval).
    typealias Step = @Sendable (_ queue: String) async throws -> Date?

    /// The chore's name, for logs.
    public let name: String
    let queues: [String]
    let interval: Duration
    let logger: Logger
    let step: Step

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wake = Date().addingTimeInterval(self.interval.timeInterval)
            for queue in self.queues {
                do {
                    if let again = try await self.step(queue) { wake = min(wake, again) }
                } catch {
                    self.logger.warning("\(self.name) step failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
                }
            }
            let sleep = Duration.milliseconds(max(0, Int64(wake.timeIntervalSinceNow * 1000)))
            if sleep > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sleep) } }
        }
    }

    /// Moves due delayed and retry jobs to their ready lists. It sleeps until the next due job, never longer than
    /// ``MaintenanceConfiguration/forwarderMaximumSleep`` (so a job scheduled earlier meanwhile is seen within that
    /// bound), and goes again at once while a full batch was due.
    public static func forwarder(broker: any JobBroker, configuration: MaintenanceConfiguration, logger: Logger) -> MaintenanceLoop {
        MaintenanceLoop(name: "forwarder", queues: configuration.queues, interval: configuration.forwarderMaximumSleep, logger: logger) { queue in
            let step = try await broker.promoteDue(queue: queue, now: Date(), limit: configuration.forwarderBatch)
            return step.moved == configuration.forwarderBatch ? Date() : step.nextDue
        }
    }

    /// Puts back jobs whose worker stopped renewing their lease (crash, partition), and ids left in `active` without a
    /// lease; a job that stalled more than ``MaintenanceConfiguration/maximumStalls`` times is dead.
    public static func leaseRecoverer(broker: any JobBroker, configuration: MaintenanceConfiguration, logger: Logger) -> MaintenanceLoop {
        MaintenanceLoop(name: "lease recoverer", queues: configuration.queues, interval: configuration.recoveryInterval, logger: logger) { queue in
            let recovered = try await broker.recoverExpiredLeases(
                queue: queue, now: Date(), maxStalls: configuration.maximumStalls, orphanGrace: configuration.orphanGrace)
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
                now: Date())
            return nil
        }
    }
}
