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
        ///
        /// Rather than sleeping a while and hoping the worker looked, the test counts the worker's claim calls in the
        /// slow log of a private server (which logs every command) and checks once the worker has tried three times.
        @Test func aRunningWorkerStartsNothingWhileTheQueueIsPaused() async throws {
            let server = try await RedisServer.start()
            let harness = try await WorkerHarness.make(url: server.url)
            _ = try await harness.client.send(["CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100000"])
            let key = TestEnvironment.uniqueName("pause")
            let client = harness.client
            var registry = JobRegistry()
            registry.register(ProbeJob.self) { job, _ in _ = try await client.send(["INCR", job.key]) }
            let configuration = harness.configuration()
            let processor = JobProcessor(
                broker: harness.broker, registry: registry, configuration: configuration, logger: Logger(label: "test"),
                metrics: JobMetricsCache())
            do {
                try await harness.broker.setPaused(true, queue: harness.queue)
                try await harness.running(processor) {
                    let ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "ok", key: key), count: 20))
                    _ = try await client.send(["SLOWLOG", "RESET"])
                    try await eventually("the worker to try three claims on the paused queue") {
                        try await Self.claims(by: configuration.workerID, on: harness) >= 3
                    }
                    #expect(try await harness.counter(key) == 0, "no job started while paused")
                    #expect(processor.runningJobs == 0)
                    #expect(try await harness.client.send(["LLEN", harness.keys.ready]).int == 20)
                    #expect(try await harness.client.send(["ZCARD", harness.keys.lease]).int == 0)

                    try await harness.broker.setPaused(false, queue: harness.queue)
                    try await eventually("20 runs after the resume") { try await harness.counter(key) == 20 }
                    try await eventually("all completed") {
                        try await ids.asyncMap { try await harness.field($0, JobHashField.state) }.allSatisfy { $0 == "completed" }
                    }
                }
                #expect(try await harness.counter(key) == 20, "each ran once")
            } catch {
                await Self.cleanUp(harness, key: key)
                try? await server.stop()
                throw error
            }
            await Self.cleanUp(harness, key: key)
            try await server.stop()
        }

        /// Commands in the slow log that name both `worker` and the queue's ready list: its claim script calls.
        static func claims(by worker: String, on harness: WorkerHarness) async throws -> Int {
            let entries = try await harness.client.send(["SLOWLOG", "GET", "100000"]).array ?? []
            return entries.count(where: { entry in
                let arguments = entry.array.flatMap { $0.count > 3 ? $0[3].array : nil }?.compactMap(\.string) ?? []
                return arguments.contains(worker) && arguments.contains(harness.keys.ready)
            })
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
