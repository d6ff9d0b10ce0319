import Foundation
import JobQueue
import Logging
import MetricsTestKit
import Redis
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// A test job whose behaviour is chosen per test through `mode`.
struct ProbeJob: JobPayload {
    static let jobName = "test.probe"
    var mode: String
    var key: String
}

/// Runs a worker (and the forwarder, for retries) against real Redis inside a ServiceGroup, on a queue of its own.
struct WorkerHarness {
    let client: RedisClient
    let broker: RedisJobBroker
    let queue: String
    let keys: QueueKeys

    /// A harness on the shared test Redis, or on `url` (a private server).
    static func make(url: String? = nil) async throws -> WorkerHarness {
        var configuration = try RedisConfiguration(url: try await Self.url(url))
        Self.configure(&configuration)
        return try Self.make(client: RedisClient(configuration: configuration))
    }

    /// A harness with a fresh queue on `client` (configured with ``configure(_:)``).
    static func make(client: RedisClient) throws -> WorkerHarness {
        let queue = TestEnvironment.uniqueName("w").lowercased()
        return WorkerHarness(client: client, broker: RedisJobBroker(client: client), queue: queue, keys: try QueueKeys(queue: queue))
    }

    /// What a harness's client needs: a blocking connection for each worker's claims.
    static func configure(_ configuration: inout RedisConfiguration) {
        configuration.blockingPoolSize = 8
    }

    private static func url(_ given: String?) async throws -> String {
        if let given { return given }
        return try await TestEnvironment.redisURL()
    }

    func configuration(concurrency: Int = 4, grace: Duration = .seconds(5), lease: Duration = .seconds(3)) -> WorkerConfiguration {
        var configuration = WorkerConfiguration(workerID: "test-\(UUID().uuidString.prefix(6))")
        configuration.queues = [.init(self.queue)]
        configuration.concurrency = concurrency
        configuration.leaseDuration = lease
        configuration.heartbeatInterval = lease / 3
        configuration.claimWait = .milliseconds(200)
        configuration.shutdownGrace = grace
        configuration.defaultTimeout = .seconds(5)
        return configuration
    }

    /// Runs `processor` with a forwarder until `body` returns, then shuts down gracefully and waits.
    func running(_ processor: JobProcessor, _ body: () async throws -> Void) async throws {
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [self.queue]
        maintenance.forwarderMaximumSleep = .milliseconds(20)
        let forwarder = MaintenanceLoop.forwarder(broker: self.broker, configuration: maintenance, logger: Logger(label: "test"))
        try await withRunningServices([forwarder, processor], body)
    }

    func enqueue(_ jobs: [ProbeJob], options: (Int) -> EnqueueOptions = { _ in EnqueueOptions() }) async throws -> [JobID] {
        let requests = try jobs.enumerated().map { index, job throws(JobQueueError) in try JobRequest(job, options: options(index)) }
        _ = try await self.broker.enqueue(requests, queue: self.queue, now: Date())
        return requests.map(\.options.id)
    }

    func counter(_ key: String) async throws -> Int { try await self.client.send(["GET", key]).string.flatMap(Int.init) ?? 0 }

    func field(_ id: JobID, _ field: String) async throws -> String? { try await self.client.send(["HGET", self.keys.job(id), field]).string }

    /// TestSupport's ``eventually(_:timeout:poll:_:)``, for the tests that still call it on the harness.
    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        try await eventually(what, timeout: timeout, condition)
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

@Suite(.serialized) struct JobProcessorTests {
    /// A processor for `harness` running the probe job, with `configuration` (default: the harness's).
    func processor(
        _ harness: WorkerHarness, runs: Runs? = nil, configuration: WorkerConfiguration? = nil, metrics: JobMetricsCache = JobMetricsCache()
    ) -> JobProcessor {
        JobProcessor(
            broker: harness.broker, registry: self.registry(client: harness.client, runs: runs),
            configuration: configuration ?? harness.configuration(), logger: Logger(label: "test"), metrics: metrics)
    }

    /// Every life-cycle step is counted by queue and job name, and each run's duration is timed.
    @Test func countsEachStepByQueueAndJobName() async throws {
        let harness = try await WorkerHarness.make()
        let testMetrics = TestMetrics()
        let cache = JobMetricsCache(factory: testMetrics)
        let broker = RedisJobBroker(client: harness.client, metrics: cache)
        let key = TestEnvironment.uniqueName("count")
        let processor = JobProcessor(
            broker: broker, registry: self.registry(client: harness.client), configuration: harness.configuration(),
            logger: Logger(label: "test"), metrics: cache)
        try await harness.running(processor) {
            let jobs = [ProbeJob(mode: "ok", key: key), ProbeJob(mode: "fail-twice", key: key), ProbeJob(mode: "permanent", key: key)]
            let requests = try jobs.map { job throws(JobQueueError) in try JobRequest(job) }
            _ = try await broker.enqueue(requests, queue: harness.queue, now: Date())
            try await eventually("all settled") {
                let states = try await requests.asyncMap { try await harness.field($0.options.id, JobHashField.state) }
                return states == ["completed", "completed", "dead"]
            }
        }
        let dimensions = [("queue", harness.queue), ("job", ProbeJob.jobName)]
        #expect(try testMetrics.expectCounter("reelay.jobs.enqueued", dimensions).totalValue == 3)
        #expect(try testMetrics.expectCounter("reelay.jobs.started", dimensions).totalValue == 5)  // 1 + 3 attempts + 1
        #expect(try testMetrics.expectCounter("reelay.jobs.completed", dimensions).totalValue == 2)
        #expect(try testMetrics.expectCounter("reelay.jobs.failed", dimensions).totalValue == 3)  // 2 retried + 1 dead
        #expect(try testMetrics.expectCounter("reelay.jobs.retried", dimensions).totalValue == 2)
        #expect(try testMetrics.expectCounter("reelay.jobs.dead", dimensions).totalValue == 1)
        #expect(try testMetrics.expectTimer("reelay.jobs.duration", dimensions).values.count == 5)
        await harness.client.shutdown()
    }

    /// A registry whose probe job behaves as `mode` says; `attempts` records the attempt number of each run.
    func registry(client: RedisClient, runs: Runs? = nil) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(ProbeJob.self, retry: RetryPolicy(base: .milliseconds(20), cap: .milliseconds(50))) { job, context in
            runs?.record(context.job.attempt)
            switch job.mode {
            case "fail-twice" where context.job.attempt < 3: throw TestFailure(message: "transient")
            case "permanent": throw PermanentJobError(code: "bad_input", message: "never works")
            case "snooze-once" where context.previousCheckpoint == nil:
                try await context.saveCheckpoint("{\"snoozed\":true}")
                throw SnoozeJob(until: Date().addingTimeInterval(0.05), reason: "rate limit")
            case "slow": try await Task.sleep(for: .milliseconds(800))
            case "stuck": try await Task.sleep(for: .seconds(60))
            default: break
            }
            _ = try await client.send(["INCR", job.key])
        }
        return registry
    }

    @Test func runsEveryJobOnce() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let processor = self.processor(harness)
        try await harness.running(processor) {
            let ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "ok", key: key), count: 200))
            try await eventually("200 runs") { try await harness.counter(key) == 200 }
            for id in ids.prefix(5) { #expect(try await harness.field(id, JobHashField.state) == "completed") }
        }
        #expect(try await harness.counter(key) == 200)
        await harness.client.shutdown()
    }

    /// Under load the completion writer waits `completionLinger` after each write, so a burst of completions is
    /// recorded in few script calls (one results entry each): never more writes than the burst's time allows.
    @Test func aBurstOfCompletionsIsWrittenInFewCallsUnderTheLinger() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("linger")
        var configuration = harness.configuration(concurrency: 10)
        configuration.completionLinger = .milliseconds(300)
        let processor = self.processor(harness, configuration: configuration)
        try await harness.running(processor) {
            let started = ContinuousClock.now
            let ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "ok", key: key), count: 200))
            try await eventually("200 completions recorded") {
                try await ids.asyncMap { try await harness.field($0, JobHashField.state) }.allSatisfy { $0 == "completed" }
            }
            let elapsed = ContinuousClock.now - started
            let entries = try await harness.client.send(["XRANGE", harness.keys.results, "-", "+"]).array ?? []
            let writes = entries.filter { $0.array?.last?.array?.dropFirst().first?.string == "completed" }.count
            // Without the linger a write goes out as soon as the previous one returns: about one per 10 completions.
            let allowed = Int(elapsed / configuration.completionLinger) + 2
            #expect(writes >= 1 && writes <= allowed, "\(writes) completion writes in \(elapsed), at most \(allowed) allowed")
        }
        await harness.client.shutdown()
    }

    @Test func aNegativeOrTooLongCompletionLingerIsRefused() async throws {
        let harness = try await WorkerHarness.make()
        for linger in [Duration.milliseconds(-1), .seconds(1)] {
            var configuration = harness.configuration()  // heartbeat every second
            configuration.completionLinger = linger
            let error = await #expect(throws: JobQueueError.self) { try await self.processor(harness, configuration: configuration).run() }
            #expect(error?.code == .invalidArgument, "linger \(linger)")
        }
        await harness.client.shutdown()
    }

    @Test func retriesWithBackoffUntilItWorks() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let runs = Runs()
        let processor = self.processor(harness, runs: runs)
        try await harness.running(processor) {
            let ids = try await harness.enqueue([ProbeJob(mode: "fail-twice", key: key)])
            try await eventually("third attempt") { try await harness.counter(key) == 1 }
            try await eventually("completed") { try await harness.field(ids[0], JobHashField.state) == "completed" }
        }
        #expect(runs.attempts == [1, 2, 3])
        await harness.client.shutdown()
    }

    @Test func aPermanentErrorBuriesTheJobAtOnce() async throws {
        let harness = try await WorkerHarness.make()
        let runs = Runs()
        let processor = self.processor(harness, runs: runs)
        try await harness.running(processor) {
            let ids = try await harness.enqueue([ProbeJob(mode: "permanent", key: "unused")])
            try await eventually("dead") { try await harness.field(ids[0], JobHashField.state) == "dead" }
            #expect(try await harness.field(ids[0], JobHashField.lastError)?.contains("bad_input") == true)
        }
        #expect(runs.attempts == [1])
        await harness.client.shutdown()
    }

    @Test func aSnoozeDoesNotUseAnAttempt() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let runs = Runs()
        let processor = self.processor(harness, runs: runs)
        try await harness.running(processor) {
            _ = try await harness.enqueue([ProbeJob(mode: "snooze-once", key: key)])
            try await eventually("ran after the snooze") { try await harness.counter(key) == 1 }
        }
        #expect(runs.attempts == [1, 1], "both runs are attempt 1")
        await harness.client.shutdown()
    }

    @Test func shutdownLetsARunningJobFinish() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let processor = self.processor(harness, configuration: harness.configuration(grace: .seconds(10)))
        var id: JobID?
        try await harness.running(processor) {
            id = try await harness.enqueue([ProbeJob(mode: "slow", key: key)]).first
            try await eventually("the job to start") { processor.runningJobs == 1 }
        }
        #expect(try await harness.counter(key) == 1, "finished within the grace")
        #expect(try await harness.field(id!, JobHashField.state) == "completed")
        await harness.client.shutdown()
    }

    @Test func shutdownPutsBackAJobThatOutlivesTheGraceWithoutUsingAnAttempt() async throws {
        let harness = try await WorkerHarness.make()
        let processor = self.processor(harness, configuration: harness.configuration(grace: .milliseconds(200)))
        var id: JobID?
        try await harness.running(processor) {
            id = try await harness.enqueue([ProbeJob(mode: "stuck", key: "unused")]).first
            try await eventually("the job to start") { processor.runningJobs == 1 }
        }
        #expect(try await harness.field(id!, JobHashField.state) == "ready")
        #expect(try await harness.field(id!, JobHashField.attempt) == "0", "the interrupted run is not counted")
        #expect(try await harness.client.send(["LRANGE", harness.keys.ready, "0", "-1"]).array?.compactMap(\.string) == [id!.description])
        #expect(try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(0))
        await harness.client.shutdown()
    }
}

extension JobProcessorTests {
    /// Prefetched jobs wait in the worker, leased: their leases are renewed while they wait (a lease recoverer running
    /// every 100 ms with the harness's 3 s lease finds nothing to take back, though the last ones wait about 4.8 s), and
    /// each runs once, as attempt 1.
    @Test func prefetchedJobsKeepTheirLeasesAndRunOnce() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        var configuration = harness.configuration(concurrency: 2)
        configuration.prefetch = 12
        let processor = self.processor(harness, configuration: configuration)
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [harness.queue]
        maintenance.recoveryInterval = .milliseconds(100)
        let recoverer = MaintenanceLoop.leaseRecoverer(broker: harness.broker, configuration: maintenance, logger: Logger(label: "test"))
        let recovery = ServiceGroup(services: [recoverer], logger: Logger(label: "test"))
        var ids: [JobID] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await recovery.run() }
            try await harness.running(processor) {
                ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "slow", key: key), count: 14))
                try await eventually("the worker to hold all 14, two of them running") {
                    try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(14) && processor.runningJobs == 2
                }
                try await eventually("14 runs", timeout: .seconds(30)) { try await harness.counter(key) == 14 }
                try await eventually("all completed") {
                    try await ids.asyncMap { try await harness.field($0, JobHashField.state) }.allSatisfy { $0 == "completed" }
                }
            }
            await recovery.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await harness.counter(key) == 14)
        for id in ids {
            #expect(try await harness.field(id, JobHashField.attempt) == "1")
            #expect(try await harness.field(id, JobHashField.stalls) == "0", "never taken back from the buffer")
        }
        await harness.client.shutdown()
    }

    /// On shutdown the running job is put back when the grace ends and the prefetched ones at once, unstarted: all
    /// end in ready with no attempt used, and nothing stays in active.
    @Test func shutdownPutsBackPrefetchedJobsUnstarted() async throws {
        let harness = try await WorkerHarness.make()
        let runs = Runs()
        var configuration = harness.configuration(concurrency: 1, grace: .milliseconds(200))
        configuration.prefetch = 3
        let processor = self.processor(harness, runs: runs, configuration: configuration)
        var ids: [JobID] = []
        try await harness.running(processor) {
            ids = try await harness.enqueue(Array(repeating: ProbeJob(mode: "stuck", key: "unused"), count: 4))
            try await eventually("one running, three held") {
                try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(4) && processor.runningJobs == 1
            }
        }
        #expect(runs.attempts == [1], "only one started")
        for id in ids {
            #expect(try await harness.field(id, JobHashField.state) == "ready")
            #expect(try await harness.field(id, JobHashField.attempt) == "0")
        }
        let ready = try await harness.client.send(["LRANGE", harness.keys.ready, "0", "-1"]).array?.compactMap(\.string) ?? []
        #expect(Set(ready) == Set(ids.map(\.description)) && ready.count == 4)
        #expect(try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(0))
        await harness.client.shutdown()
    }
}

extension JobProcessorTests {
    /// A job's own timeout stops its handler (within the watchdog's 100 ms tick) and counts as a failed attempt: two
    /// attempts of 300 ms each, then dead with the timeout as its last error; the worker's other slot stays free.
    @Test func aJobPastItsTimeoutFailsTheAttempt() async throws {
        let harness = try await WorkerHarness.make()
        let runs = Runs()
        let processor = self.processor(harness, runs: runs)
        var id: JobID?
        let started = ContinuousClock.now
        try await harness.running(processor) {
            id = try await harness.enqueue([ProbeJob(mode: "stuck", key: "unused")]) { _ in
                EnqueueOptions(maxAttempts: 2, timeout: .milliseconds(300))
            }.first
            try await eventually("dead after two timed-out attempts") { try await harness.field(id!, JobHashField.state) == "dead" }
        }
        let elapsed = ContinuousClock.now - started
        #expect(runs.attempts == [1, 2])
        #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(10), "\(elapsed)")
        #expect(try await harness.field(id!, JobHashField.lastError)?.contains("timed out") == true)
        await harness.client.shutdown()
    }

    /// A running job whose lease expires (a stalled heartbeat, say) is recovered and taken again by the same worker:
    /// two runs of one id in one process. Each keeps its own entry, so the heartbeat stops the old run, and a shutdown
    /// still ends within the grace with the job back in ready; before entries were keyed by lease token, the second
    /// run replaced the first one's entry and the worker never finished shutting down.
    @Test(.timeLimit(.minutes(1))) func aJobTakenAgainByTheSameWorkerDoesNotHangIt() async throws {
        let harness = try await WorkerHarness.make()
        let runs = Runs()
        let processor = self.processor(harness, runs: runs, configuration: harness.configuration(concurrency: 2, grace: .milliseconds(300)))
        var id: JobID?
        let stopped = ContinuousClock.now
        try await harness.running(processor) {
            id = try await harness.enqueue([ProbeJob(mode: "stuck", key: "unused")]).first
            try await eventually("the first run") { processor.runningJobs == 1 }
            // Expire the lease by hand and recover it, as a recoverer elsewhere would: the idle slot takes it again.
            _ = try await harness.client.send(["ZADD", harness.keys.lease, "0", id!.description])
            let recovered = try await harness.broker.recoverExpiredLeases(queue: harness.queue, now: Date(), maxStalls: 3, orphanGrace: .seconds(30))
            #expect(recovered == [id!])
            try await eventually("the second run") { runs.attempts == [1, 2] }
        }
        #expect(ContinuousClock.now - stopped < .seconds(15), "shutdown finished")
        #expect(try await harness.field(id!, JobHashField.state) == "ready")
        #expect(try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(0))
        await harness.client.shutdown()
    }
}

struct TestFailure: Error { var message: String }

/// The attempt numbers a probe job ran with, in order.
final class Runs: Sendable {
    private let values = Mutex<[Int]>([])
    func record(_ attempt: Int) { self.values.withLock { $0.append(attempt) } }
    var attempts: [Int] { self.values.withLock { $0 } }
}
