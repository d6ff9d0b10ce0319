import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import Testing

@Suite struct WorkerRegistryTests {
    @Test func announcesTheWorkerWhileItRunsAndLeavesOnShutdown() async throws {
        let client = try RedisClient(url: try await TestEnvironment.redisURL())
        let prefix = TestEnvironment.uniqueName("reg")
        let identity = WorkerRegistry.Identity(
            workerID: "host-1:42:abc", host: "host-1", pid: 42, version: "0.1.0", queues: ["publish", "bulk"], concurrency: 8)
        let registry = WorkerRegistry(
            client: client, identity: identity, interval: .seconds(1), prefix: prefix, logger: Logger(label: "test"), inFlight: { 3 })
        let group = ServiceGroup(services: [registry], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("the first heartbeat") { try await client.send(["ZSCORE", "\(prefix):workers", identity.workerID]) != .null }
            let fields = try await client.send(["HGETALL", "\(prefix):worker:\(identity.workerID)"]).array?.compactMap(\.string) ?? []
            let hash = Dictionary(uniqueKeysWithValues: stride(from: 0, to: fields.count - 1, by: 2).map { (fields[$0], fields[$0 + 1]) })
            #expect(hash["host"] == "host-1")
            #expect(hash["pid"] == "42")
            #expect(hash["queues"] == "publish,bulk")
            #expect(hash["in_flight"] == "3")
            #expect(try await client.send(["PTTL", "\(prefix):worker:\(identity.workerID)"]).int ?? 0 > 0, "the hash expires if beats stop")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await client.send(["EXISTS", "\(prefix):worker:\(identity.workerID)"]) == .integer(0))
        #expect(try await client.send(["ZCARD", "\(prefix):workers"]) == .integer(0))
        await client.shutdown()
    }
}
