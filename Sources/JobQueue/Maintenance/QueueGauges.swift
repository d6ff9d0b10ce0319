public import CoreMetrics
import Foundation
public import Logging

extension MaintenanceLoop {
    /// Publishes the autoscaling signals of each queue as gauges, every `interval`: `reelay.queue.depth` (dimension
    /// `state`: ready, active, scheduled, dead) and `reelay.queue.oldest_ready_age_seconds` (0 when nothing waits).
    /// `factory` is the metrics backend (the process's by default; tests pass their own).
    public static func queueGauges(
        inspector: QueueInspector, configuration: MaintenanceConfiguration, interval: Duration = .seconds(5), logger: Logger,
        factory: any MetricsFactory = MetricsSystem.factory
    ) -> MaintenanceLoop {
        MaintenanceLoop(name: "queue gauges", queues: configuration.queues, interval: interval, logger: logger) { queue in
            let stats = try await inspector.stats(queue: queue, now: try await inspector.clock.now())
            let depths = [("ready", stats.ready), ("active", stats.active), ("scheduled", stats.scheduled), ("dead", stats.dead)]
            for (state, depth) in depths {
                Gauge(label: "reelay.queue.depth", dimensions: [("queue", queue), ("state", state)], factory: factory).record(depth)
            }
            Gauge(label: "reelay.queue.oldest_ready_age_seconds", dimensions: [("queue", queue)], factory: factory)
                .record(stats.oldestReadyAgeSeconds ?? 0)
            return nil
        }
    }
}
