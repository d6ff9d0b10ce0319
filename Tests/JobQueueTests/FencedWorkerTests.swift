import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// A job that holds its slot until cancelled, recording when it started and when it was stopped.
struct HoldJob: JobPayload {
    static let jobName = "test.hold"
    /// The counter the job increments (with `finishesOnCancel`).
    var key: String
    /// `true`: the job increments its counter, then winds up until told to stop, and returns successfully (a handler
    /// whose last step was under way when it was told to stop); `false`: it waits, and the cancellation is rethrown.
    var finishesOnCancel: Bool
}

/// What happened to the hold jobs of one test, with the instants of each run's start and stop.
final class HoldLog: Sendable {
    private let state = Mutex<(started: [ContinuousClock.Instant], cancelled: [ContinuousClock.Instant])>(([], []))
    func start() { self.state.withLock { $0.started.append(.now) } }
    func cancel() { self.state.withLock { $0.cancelled.append(.now) } }
    var started: [ContinuousClock.Instant] { self.state.withLock { $0.started } }
    var cancelled: [ContinuousClock.Instant] { self.state.withLock { $0.cancelled } }

    /// A registry running ``HoldJob`` and recording into this log.
    func registry(client: RedisClient) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(HoldJob.self) { job, _ in
            self.start()
            if job.finishesOnCancel { _ = try await client.send(["INCR", job.key]) }  // its work is done; it winds up
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                self.cancel()
                if !job.finishesOnCancel { throw error }
            }
        }
        return registry
    }
}

/// A job that saves a checkpoint every 50 ms, ignoring whether the save worked (`try?`), until cancelled.
struct CheckpointLoopJob: JobPayload {
    static let jobName = "test.checkpoint-loop"
}

extension HoldLog {
    /// A registry running ``CheckpointLoopJob`` and recording into this log.
    func checkpointingRegistry() -> JobRegistry {
        var registry = JobRegistry()
        registry.register(CheckpointLoopJob.self) { _, context in
            self.start()
            do {
                while true {
                    try? await context.saveCheckpoint(#"{"step":1}"#)
                    try await Task.sleep(for: .milliseconds(50))
                }
            } catch {
                self.cancel()
                throw error
            }
        }
        return registry
    }
}

/// A worker that cannot renew its leases stops its handlers once its own lease deadline passes, and a handler that
/// returns successfully as its timeout or the shutdown grace fires keeps its success.
@Suite(.serialized) struct FencedWorkerTests {
    /// Renewals fail: the worker's Redis (a private server) is stopped under it, so each renewal errors at once, or
    /// paused (`CLIENT PAUSE`), so each renewal hangs without a reply. Either way the handler is cancelled within the
    /// watchdog's tick of the lease deadline (1.5 s after the last renewal that got through was sent), not at its 60 s
    /// timeout, and not before its lease could have run out.
    @Test(.timeLimit(.minutes(1)), arguments: ["stop", "pause"])
    func aWorkerThatCannotRenewStopsItsHandlerAtItsLeaseDeadline(_ failure: String) async throws {
        let server = try await RedisServer.start()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.blockingPoolSize = 8
        configuration.connectTimeout = .milliseconds(300)
        let client = RedisClient(configuration: configuration)
        let queue = TestEnvironment.uniqueName("fence").lowercased()
        let harness = WorkerHarness(client: client, broker: RedisJobBroker(client: client), queue: queue, keys: try QueueKeys(queue: queue))
        var worker = harness.configuration(concurrency: 1, grace: .seconds(1), lease: .milliseconds(1500))
        worker.defaultTimeout = .seconds(60)
        let log = HoldLog()
        let processor = JobProcessor(
            broker: harness.broker, registry: log.registry(client: client), configuration: worker, logger: Logger(label: "test"))
        var failing: ContinuousClock.Instant?
        try await harness.running(processor) {
            let request = try JobRequest(HoldJob(key: "unused", finishesOnCancel: false))
            _ = try await harness.broker.enqueue([request], queue: queue, now: Date())
            try await eventually("the job to start") { log.started.count == 1 }
            failing = .now
            if failure == "stop" {
                try await server.stop()  // from now on every renewal fails at once
            } else {
                _ = try await client.send(["CLIENT", "PAUSE", "4000", "ALL"])  // every renewal waits 4 s for its reply
            }
            try await eventually("the handler to be cancelled", timeout: .seconds(10)) { log.cancelled.count == 1 }
            if failure == "stop" { try await server.start() }  // let the worker shut down against a live server
        }
        let cancelled = try #require(log.cancelled.first)
        let afterFailure = cancelled - failing!
        print("\(failure): handler cancelled \(afterFailure) after renewals began to fail (lease 1.5 s, renewed every 0.5 s)")
        #expect(afterFailure < .milliseconds(1500 + 500), "cancelled \(afterFailure) after renewals began to fail")
        #expect(cancelled - log.started[0] > .milliseconds(1000), "not before its lease could have run out")
        await client.shutdown()
        try await server.stop()
    }

    /// The job's timeout fires while the handler finishes: it returns successfully, so the job ends completed (one run,
    /// one increment), not failed with a timeout (with one attempt, dead).
    @Test(.timeLimit(.minutes(1))) func aHandlerThatFinishesAsItsTimeoutFiresEndsCompleted() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let log = HoldLog()
        let processor = JobProcessor(
            broker: harness.broker, registry: log.registry(client: harness.client), configuration: harness.configuration(),
            logger: Logger(label: "test"))
        var id: JobID?
        try await harness.running(processor) {
            let request = try JobRequest(
                HoldJob(key: key, finishesOnCancel: true), options: EnqueueOptions(maxAttempts: 1, timeout: .milliseconds(300)))
            id = request.options.id
            _ = try await harness.broker.enqueue([request], queue: harness.queue, now: Date())
            try await eventually("the job to settle") {
                let state = try await harness.field(request.options.id, JobHashField.state)
                return state == "completed" || state == "dead"
            }
        }
        #expect(log.cancelled.count == 1, "the timeout fired")
        #expect(try await harness.field(id!, JobHashField.state) == "completed")
        #expect(try await harness.counter(key) == 1)
        await harness.client.shutdown()
    }

    /// The shutdown grace ends while the handler finishes: it returns successfully, so the job ends completed, not put
    /// back in ready to run a second time.
    @Test(.timeLimit(.minutes(1))) func aHandlerThatFinishesAsTheShutdownGraceEndsEndsCompleted() async throws {
        let harness = try await WorkerHarness.make()
        let key = TestEnvironment.uniqueName("count")
        let log = HoldLog()
        let processor = JobProcessor(
            broker: harness.broker, registry: log.registry(client: harness.client),
            configuration: harness.configuration(grace: .milliseconds(200)), logger: Logger(label: "test"))
        var id: JobID?
        try await harness.running(processor) {
            let request = try JobRequest(HoldJob(key: key, finishesOnCancel: true))
            id = request.options.id
            _ = try await harness.broker.enqueue([request], queue: harness.queue, now: Date())
            try await eventually("the job to start") { log.started.count == 1 }
        }
        #expect(log.cancelled.count == 1, "the grace ended")
        #expect(try await harness.field(id!, JobHashField.state) == "completed")
        #expect(try await harness.counter(key) == 1)
        #expect(try await harness.client.send(["LLEN", harness.keys.ready]) == .integer(0))
        await harness.client.shutdown()
    }

    /// A checkpoint refused because the lease was taken over stops the handler at once, even one that swallows the
    /// error (`try?`): within 2 s, not at the next heartbeat (10 s with a 30 s lease).
    @Test(.timeLimit(.minutes(1))) func aCheckpointRefusedForALostLeaseStopsTheHandler() async throws {
        let harness = try await WorkerHarness.make()
        let log = HoldLog()
        let processor = JobProcessor(
            broker: harness.broker, registry: log.checkpointingRegistry(), configuration: harness.configuration(lease: .seconds(30)),
            logger: Logger(label: "test"))
        try await harness.running(processor) {
            let request = try JobRequest(CheckpointLoopJob())
            _ = try await harness.broker.enqueue([request], queue: harness.queue, now: Date())
            try await eventually("the job to start") { log.started.count == 1 }
            // Another worker took the job over: its lease token is no longer this worker's.
            _ = try await harness.client.send(["HSET", harness.keys.job(request.options.id), JobHashField.token, "another-worker"])
            try await eventually("the handler to be cancelled", timeout: .seconds(2)) { log.cancelled.count == 1 }
        }
        await harness.client.shutdown()
    }
}
