import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `reelay bench worker` process (a worker that also runs the benchmark's jobs) started by a test, under TestSupport's
/// watchdog: it never outlives the test process.
struct WorkerProcess {
    let watched: WatchedProcess
    let logPath = NSTemporaryDirectory() + "reelay-worker-\(UUID().uuidString).log"

    init(redisURL: String, queue: String, concurrency: Int, lease: String = "3s", grace: String = "10s") async throws {
        self.watched = try WatchedProcess(
            arguments: [
                ReelayBinary.path, "bench", "worker", "--redis-url", redisURL, "--queues", queue, "--concurrency", String(concurrency),
                "--lease", lease, "--shutdown-grace", grace, "--log-level", "warning",
            ],
            logPath: self.logPath, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        try await self.watched.waitUntilStarted()
    }

    var log: String { (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { self.watched.signal(number) }

    func waitUntilExited(timeout: Duration) async throws -> Int32 {
        try await self.watched.waitUntilExited(timeout: timeout)
        return self.watched.exitStatus ?? -1
    }
}

/// Real worker processes against real Redis: crashes and signals.
@Suite(.serialized) struct WorkerProcessTests {
    struct Fixture {
        let url: String
        let client: RedisClient
        let broker: RedisJobBroker
        let queue: String
        let keys: QueueKeys
        let counterKey: String

        static func make() async throws -> Fixture {
            let url = try await TestEnvironment.redisURL()
            let client = try RedisClient(url: url)
            let queue = TestEnvironment.uniqueName("p").lowercased()
            return Fixture(
                url: url, client: client, broker: RedisJobBroker(client: client), queue: queue, keys: try QueueKeys(queue: queue),
                counterKey: TestEnvironment.uniqueName("counter"))
        }

        func enqueue(count: Int, sleepMilliseconds: Int) async throws -> [JobID] {
            let requests = try (0..<count).map { _ throws(JobQueueError) in
                try JobRequest(IncrementCounter(key: self.counterKey, sleepMilliseconds: sleepMilliseconds))
            }
            _ = try await self.broker.enqueue(requests, queue: self.queue, now: Date())
            return requests.map(\.options.id)
        }

        func states(_ ids: [JobID]) async throws -> [String] {
            try await self.client.pipeline(ids.map { ["HGET", self.keys.job($0), JobHashField.state] }).map { $0.string ?? "missing" }
        }

        func activeCount() async throws -> Int { try await self.client.send(["ZCARD", self.keys.lease]).int ?? 0 }
    }

    @Test func killingAWorkerLosesNoJob() async throws {
        let fixture = try await Fixture.make()
        let ids = try await fixture.enqueue(count: 12, sleepMilliseconds: 1500)
        let victim = try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 4, lease: "3s")
        try await eventually("the victim to hold 4 jobs", timeout: .seconds(20)) { try await fixture.activeCount() == 4 }
        victim.signal(SIGKILL)
        _ = try await victim.waitUntilExited(timeout: .seconds(10))
        let killedAt = ContinuousClock.now

        // The survivor and the lease recoverer (the scheduler's chore, here in-process) finish the work.
        let survivor = try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 4, lease: "3s")
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [fixture.queue]
        maintenance.recoveryInterval = .milliseconds(200)
        let recoverer = MaintenanceLoop.leaseRecoverer(broker: fixture.broker, configuration: maintenance, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [recoverer], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("every job completed", timeout: .seconds(60)) {
                try await fixture.states(ids).allSatisfy { $0 == "completed" }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let elapsed = ContinuousClock.now - killedAt
        print("kill -9: all 12 jobs completed \(elapsed) after the kill (lease 3 s)")
        // The victim's 4 jobs waited for their lease (3 s) plus recovery; the rest ran on the survivor meanwhile.
        #expect(try await fixture.counter() >= 12, "every job ran to its increment at least once")
        #expect(try await fixture.client.send(["ZCARD", fixture.keys.dead]) == .integer(0))
        survivor.signal(SIGTERM)
        #expect(try await survivor.waitUntilExited(timeout: .seconds(15)) == 0, "\(survivor.log)")
        await fixture.client.shutdown()
    }

    @Test func sigtermLetsTheRunningJobFinish() async throws {
        let fixture = try await Fixture.make()
        let ids = try await fixture.enqueue(count: 1, sleepMilliseconds: 1500)
        let worker = try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 2, grace: "10s")
        try await eventually("the job to start", timeout: .seconds(20)) { try await fixture.activeCount() == 1 }
        worker.signal(SIGTERM)
        #expect(try await worker.waitUntilExited(timeout: .seconds(15)) == 0, "\(worker.log)")
        #expect(try await fixture.states(ids) == ["completed"])
        #expect(try await fixture.counter() == 1)
        await fixture.client.shutdown()
    }

    @Test func sigtermPastTheGracePutsTheJobBackWithItsAttempt() async throws {
        let fixture = try await Fixture.make()
        let ids = try await fixture.enqueue(count: 1, sleepMilliseconds: 30_000)
        let worker = try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 2, grace: "300ms")
        try await eventually("the job to start", timeout: .seconds(20)) { try await fixture.activeCount() == 1 }
        worker.signal(SIGTERM)
        #expect(try await worker.waitUntilExited(timeout: .seconds(15)) == 0, "\(worker.log)")
        #expect(try await fixture.states(ids) == ["ready"])
        #expect(try await fixture.client.send(["HGET", fixture.keys.job(ids[0]), JobHashField.attempt]).string == "0")
        #expect(try await fixture.counter() == 0)
        await fixture.client.shutdown()
    }
}

extension WorkerProcessTests {
    /// 10,000 jobs, a fifth of runs failing at random, 3 attempts each, two worker processes and nothing else (their
    /// own maintenance loops promote the retries): every job ends completed or dead, and `reelay queue stats` adds up.
    @Test func tenThousandFlakyJobsAllEndAndTheCountsAddUp() async throws {
        let fixture = try await Fixture.make()
        let total = 10_000
        let requests = try (0..<total).map { _ throws(JobQueueError) in
            try JobRequest(FlakyIncrement(key: fixture.counterKey, failureRate: 0.2), options: EnqueueOptions(maxAttempts: 3))
        }
        let started = ContinuousClock.now
        _ = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: Date())
        let workers = [
            try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 8),
            try await WorkerProcess(redisURL: fixture.url, queue: fixture.queue, concurrency: 8),
        ]
        // No scheduler here: the workers' own maintenance loops promote the retries.
        try await eventually("every job to end", timeout: .seconds(240)) {
            let counts = try await fixture.client.pipeline([
                ["HGET", fixture.keys.stats, "completed"], ["HGET", fixture.keys.stats, "dead"],
            ]).map { $0.string.flatMap(Int.init) ?? 0 }
            return counts[0] + counts[1] == total
        }
        print("10k flaky jobs: all ended after \(ContinuousClock.now - started)")
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { #expect(try await worker.waitUntilExited(timeout: .seconds(15)) == 0) }

        let outcome = try await ReelayBinary.run(["queue", "stats", "--queue", fixture.queue, "--json", "--redis-url", fixture.url])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let stats = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] ?? [:]
        let counters = stats["counters"] as? [String: Int] ?? [:]
        #expect(counters["enqueued"] == total)
        #expect((counters["completed"] ?? 0) + (counters["dead"] ?? 0) == total)
        #expect(counters["failed"] == (counters["retried"] ?? 0) + (counters["dead"] ?? 0), "every failure was retried or buried")
        for state in ["ready", "active", "scheduled"] { #expect(stats[state] as? Int == 0, "\(state) empty") }
        #expect(stats["dead"] as? Int == counters["dead"])
        #expect(try await fixture.counter() == counters["completed"], "one increment per completed job")
        await fixture.client.shutdown()
    }
}

extension WorkerProcessTests {
    /// A private Redis with the AOF on is stopped and started again while two workers run: they reconnect by themselves
    /// and every job completes.
    @Test func workersRideOutARedisRestart() async throws {
        let server = try await RedisServer.start(appendOnly: true)
        let client = try RedisClient(url: server.url)
        let queue = TestEnvironment.uniqueName("r").lowercased()
        let fixture = Fixture(
            url: server.url, client: client, broker: RedisJobBroker(client: client), queue: queue, keys: try QueueKeys(queue: queue),
            counterKey: TestEnvironment.uniqueName("counter"))
        let ids = try await fixture.enqueue(count: 400, sleepMilliseconds: 20)
        let workers = [
            try await WorkerProcess(redisURL: server.url, queue: queue, concurrency: 4, lease: "3s"),
            try await WorkerProcess(redisURL: server.url, queue: queue, concurrency: 4, lease: "3s"),
        ]
        try await eventually("some progress", timeout: .seconds(30)) { try await fixture.counter() >= 50 }
        let restartBegan = ContinuousClock.now
        try await server.stop()  // SHUTDOWN: the AOF is synced, every worker connection drops
        let stopped = ContinuousClock.now
        try await server.start()
        print("redis restart: stop took \(stopped - restartBegan), start \(ContinuousClock.now - stopped)")
        let restarted = ContinuousClock.now

        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [queue]
        maintenance.recoveryInterval = .milliseconds(200)
        maintenance.forwarderMaximumSleep = .milliseconds(50)
        let loops = [
            MaintenanceLoop.leaseRecoverer(broker: fixture.broker, configuration: maintenance, logger: Logger(label: "test")),
            MaintenanceLoop.forwarder(broker: fixture.broker, configuration: maintenance, logger: Logger(label: "test")),
        ]
        let group = ServiceGroup(services: loops, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("every job completed after the restart", timeout: .seconds(90)) {
                try await fixture.states(ids).allSatisfy { $0 == "completed" }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        print("redis restart: every job completed \(ContinuousClock.now - restarted) after the restart")
        #expect(try await fixture.counter() >= 400)
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { #expect(try await worker.waitUntilExited(timeout: .seconds(15)) == 0, "\(worker.log)") }
        await client.shutdown()
        try await server.stop()
    }
}

extension WorkerProcessTests.Fixture {
    func counter() async throws -> Int { try await self.client.send(["GET", self.counterKey]).string.flatMap(Int.init) ?? 0 }
}
