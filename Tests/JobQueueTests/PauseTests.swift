import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    @Suite struct PauseTests {
        /// A running worker takes nothing from a paused queue, and everything once it is resumed.
        @Test func aRunningWorkerStartsNothingWhileTheQueueIsPaused() async throws {
            let harness = try await WorkerHarness.make()
            let key = TestEnvironment.uniqueName("pause")
            let client = harness.client
            var registry = JobRegistry()
            registry.register(ProbeJob.self) { job, _ in _ = try await client.send(["INCR", job.key]) }
            let processor = JobProcessor(
                broker: harness.broker, registry: registry, configuration: harness.configuration(), logger: Logger(label: "test"),
                metrics: JobMetricsCache())
            do {
                try await harness.broker.setPaused(true, queue: harness.queue)
                try await harness.running(processor) { _ in
                    let ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "ok", key: key), count: 20))
                    try await Task.sleep(for: .milliseconds(1_500))
                    #expect(try await harness.counter(key) == 0, "no job started while paused")
                    #expect(processor.runningJobs == 0)
                    #expect(try await harness.client.send(["LLEN", harness.keys.ready]).int == 20)
                    #expect(try await harness.client.send(["LLEN", harness.keys.active]).int == 0)

                    try await harness.broker.setPaused(false, queue: harness.queue)
                    try await eventually("20 runs after the resume") { try await harness.counter(key) == 20 }
                    try await eventually("all completed") {
                        try await ids.asyncMap { try await harness.field($0, JobHashField.state) }.allSatisfy { $0 == "completed" }
                    }
                }
                #expect(try await harness.counter(key) == 20, "each ran once")
            } catch {
                await Self.cleanUp(harness, key: key)
                throw error
            }
            await Self.cleanUp(harness, key: key)
        }

        static func cleanUp(_ harness: WorkerHarness, key: String) async {
            var cursor = "0"
            repeat {
                guard let reply = try? await harness.client.send(["SCAN", cursor, "MATCH", "\(harness.keys.base):*", "COUNT", "1000"]).array,
                    reply.count == 2, let next = reply[0].string
                else { break }
                let found = reply[1].array?.compactMap(\.string) ?? []
                _ = try? await harness.client.send(["UNLINK", key] + found)
                cursor = next
            } while cursor != "0"
            await harness.client.shutdown()
        }
    }
}
