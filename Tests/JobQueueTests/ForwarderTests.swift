import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import Testing

@Suite struct ForwarderTests {
    /// A forwarder asleep until a far-off job wakes as soon as an earlier job is scheduled, and promotes that one on
    /// time: not when its 2 s sleep would have ended.
    @Test func anEarlierJobWakesTheSleepingForwarder() async throws {
        var configuration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        configuration.blockingPoolSize = 2
        let client = RedisClient(configuration: configuration)
        let broker = RedisJobBroker(client: client)
        let queue = TestEnvironment.uniqueName("fwd").lowercased()
        let keys = try QueueKeys(queue: queue)
        var far = EnqueueOptions()
        far.runAt = Date().addingTimeInterval(60)
        _ = try await broker.enqueue([try JobRequest(IncrementCounter(key: "unused"), options: far)], queue: queue, now: Date())

        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [queue]
        maintenance.forwarderMaximumSleep = .seconds(2)
        let forwarder = MaintenanceLoop.forwarder(broker: broker, configuration: maintenance, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [forwarder], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Let the forwarder find nothing due and fall asleep in its wait on the wake list.
            try await eventually("the forwarder to wait", poll: .milliseconds(5)) {
                try await client.send(["CLIENT", "LIST"]).string?.contains("cmd=blpop") == true
            }
            var soon = EnqueueOptions()
            let dueAt = Date().addingTimeInterval(0.2)
            soon.runAt = dueAt
            let request = try JobRequest(IncrementCounter(key: "unused"), options: soon)
            _ = try await broker.enqueue([request], queue: queue, now: Date())
            try await eventually("the job to be promoted", timeout: .seconds(5), poll: .milliseconds(5)) {
                try await client.send(["LPOS", keys.ready, request.options.id.description]) != .null
            }
            let lateness = Date().timeIntervalSince(dueAt)
            #expect(lateness < 1.5, "promoted \(lateness) s after its run-at; a 2 s sleep without waking would give about 1.8 s")
            #expect(lateness > -0.05, "promoted before its run-at")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        _ = try await client.send(["DEL", keys.ready, keys.scheduled, keys.wake, keys.stats])
        await client.shutdown()
    }
}
