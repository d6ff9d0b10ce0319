import Foundation
import JobQueue
import Logging
import MetricsTestKit
import Redis
import ServiceLifecycle
import TestSupport
import Testing

@Suite struct QueueGaugesTests {
    @Test func gaugesReportDepthByStateAndTheOldestReadyAge() async throws {
        let client = try RedisClient(url: try await TestEnvironment.redisURL())
        let broker = RedisJobBroker(client: client)
        let queue = TestEnvironment.uniqueName("gauge").lowercased()
        let now = Date()
        let ready = try (0..<3).map { _ throws(JobQueueError) in try JobRequest(IncrementCounter(key: "unused")) }
        _ = try await broker.enqueue(ready, queue: queue, now: now.addingTimeInterval(-30))  // waiting for 30 s
        let later = try JobRequest(IncrementCounter(key: "unused"), options: EnqueueOptions(runAt: now.addingTimeInterval(3600)))
        _ = try await broker.enqueue([later], queue: queue, now: now)
        let claimed = try await broker.claim(queue: queue, worker: "w", limit: 1, leaseDuration: .seconds(30), wait: .milliseconds(100), now: now)
        #expect(claimed.count == 1)

        let metrics = TestMetrics()
        var configuration = MaintenanceConfiguration()
        configuration.queues = [queue]
        let loop = MaintenanceLoop.queueGauges(
            inspector: QueueInspector(client: client), configuration: configuration, interval: .milliseconds(50),
            logger: Logger(label: "test"), factory: metrics)
        let group = ServiceGroup(services: [loop], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("a gauge to be recorded") {
                (try? metrics.expectGauge("reelay.queue.oldest_ready_age_seconds", [("queue", queue)])) != nil
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        func depth(_ state: String) throws -> Double? {
            try metrics.expectGauge("reelay.queue.depth", [("queue", queue), ("state", state)]).lastValue
        }
        #expect(try depth("ready") == 2)
        #expect(try depth("active") == 1)
        #expect(try depth("scheduled") == 1)
        #expect(try depth("dead") == 0)
        let age = try metrics.expectGauge("reelay.queue.oldest_ready_age_seconds", [("queue", queue)]).lastValue ?? 0
        #expect(age >= 29 && age < 120, "the oldest ready job has waited about 30 s (\(age))")
        await client.shutdown()
    }
}
