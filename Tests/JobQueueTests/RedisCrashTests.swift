import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// A job whose side effect is an entry in a log the test keeps outside Redis, guarded by a "done" checkpoint.
struct CrashProbeJob: JobPayload {
    static let jobName = "test.crash-probe"
    var index: Int
}

/// What the crash-probe handlers did, outside Redis, so it survives Redis's crash.
final class SideEffectLog: Sendable {
    /// One run that performed the side effect.
    struct Effect: Sendable {
        var attempt: Int
        /// When the run's "done" checkpoint was acknowledged by Redis; `nil` when the save failed (or never returned).
        var checkpointSavedAt: ContinuousClock.Instant?
    }

    private struct State {
        var effects: [String: [Effect]] = [:]
        var effectCount = 0
        var skips = 0
    }

    private let state = Mutex(State())

    /// Records a side effect of `job`'s run; returns its index among the job's effects.
    func recordEffect(_ job: String, attempt: Int) -> Int {
        self.state.withLock { state in
            state.effectCount += 1
            state.effects[job, default: []].append(Effect(attempt: attempt, checkpointSavedAt: nil))
            return state.effects[job]!.count - 1
        }
    }

    /// Records that the checkpoint of effect `index` of `job` was acknowledged now.
    func recordCheckpointSaved(_ job: String, effect index: Int) {
        let now = ContinuousClock.now
        self.state.withLock { $0.effects[job]?[index].checkpointSavedAt = now }
    }

    /// Records a run that found the "done" checkpoint and skipped the side effect.
    func recordSkip() { self.state.withLock { $0.skips += 1 } }

    var effectCount: Int { self.state.withLock { $0.effectCount } }
    var skips: Int { self.state.withLock { $0.skips } }
    var effects: [String: [Effect]] { self.state.withLock { $0.effects } }
}

/// Redis killed with SIGKILL in the middle of real job processing, with AOF `everysec`, and restarted on its data: the
/// jobs all finish, and a side effect guarded by a checkpoint runs twice only when that checkpoint was never
/// acknowledged or was acknowledged in the last moments before the kill (the `everysec` window).
///
/// Heavy (2,000 jobs, a private server, about 10-20 s): `scripts/run-tests.sh` runs it on its own.
@Suite(.serialized) struct RedisCrashTests {
    static let jobCount = 2000
    static let done = "{\"done\":true}"
    /// How long before the kill an acknowledged write may still be lost: `everysec` fsyncs every second, and Redis lets
    /// a write wait up to 2 s more when an fsync is slow.
    static let lossWindow: Duration = .seconds(3)

    @Test(.timeLimit(.minutes(3))) func killedRedisWithAppendOnlyFileLosesNoJobAndNoCheckpointOutsideItsWindow() async throws {
        try await RedisServer.withClient(appendOnly: true, configure: WorkerHarness.configure) { server, client in
            try await self.run(server: server, harness: try WorkerHarness.make(client: client))
        }
    }

    private func run(server: RedisServer, harness: WorkerHarness) async throws {
        let log = SideEffectLog()
        let requests = try (0..<Self.jobCount).map { index throws(JobQueueError) in
            try JobRequest(CrashProbeJob(index: index), options: EnqueueOptions(maxAttempts: 20))
        }
        _ = try await harness.broker.enqueue(requests, queue: harness.queue, now: Date())
        try await Self.makeDurable(harness.client)

        var killedAt: ContinuousClock.Instant?
        var effectsAtKill = 0
        try await Self.running(harness, processors: 2, log: log) {
            try await eventually("a third of the side effects") { log.effectCount >= Self.jobCount / 3 }
            killedAt = ContinuousClock.now
            effectsAtKill = log.effectCount
            try await server.kill()
            try await server.start()
            try await eventually("every job completed", timeout: .seconds(120)) {
                // The client reconnects on its own; a read that meets the restart is simply tried again.
                (try? await Self.states(of: requests.map(\.options.id), harness))?.allSatisfy { $0 == "completed" } ?? false
            }
        }
        let kill = try #require(killedAt)
        #expect(effectsAtKill < Self.jobCount, "killed in the middle of the run")

        // Every job ran its side effect at least once and ended completed; nothing is left in a list.
        let effects = log.effects
        #expect(effects.count == Self.jobCount)
        #expect(try await Self.states(of: requests.map(\.options.id), harness).allSatisfy { $0 == "completed" })
        for list in [harness.keys.ready, harness.keys.active] {
            #expect(try await harness.client.send(["LLEN", list]).int == 0, "\(list) is empty")
        }
        #expect(try await harness.client.send(["ZCARD", harness.keys.lease]).int == 0, "no lease is left")

        // A second effect is allowed only when the first one's checkpoint was never acknowledged (the run was cut off
        // by the crash), or was acknowledged within the loss window before the kill.
        var neverSaved = 0
        var lostInWindow = 0
        for (job, runs) in effects where runs.count > 1 {
            for earlier in runs.dropLast() {
                guard let saved = earlier.checkpointSavedAt else {
                    neverSaved += 1
                    continue
                }
                let durable = saved < kill - Self.lossWindow || saved > kill
                #expect(!durable, "job \(job): attempt \(earlier.attempt)'s checkpoint was acknowledged \(kill - saved) before the kill")
                if !durable { lostInWindow += 1 }
            }
        }
        let twice = effects.values.count { $0.count > 1 }
        print(
            "redis crash: \(Self.jobCount) jobs, killed after \(effectsAtKill) side effects; \(log.effectCount) side effects, "
                + "\(twice) jobs ran it more than once "
                + "(\(neverSaved) after a checkpoint that was never acknowledged, \(lostInWindow) after one lost in the fsync "
                + "window), \(log.skips) re-runs skipped it on their checkpoint")
    }

    /// Runs `processors` workers on the queue with a forwarder and a lease recoverer until `body` returns.
    static func running(_ harness: WorkerHarness, processors: Int, log: SideEffectLog, _ body: () async throws -> Void) async throws {
        var registry = JobRegistry()
        registry.register(CrashProbeJob.self, retry: RetryPolicy(base: .milliseconds(50), cap: .milliseconds(200))) { _, context in
            let job = context.job.id.description
            if context.previousCheckpoint == Self.done {
                log.recordSkip()
                return
            }
            try await Task.sleep(for: .milliseconds(5))  // the work before the side effect
            let effect = log.recordEffect(job, attempt: context.job.attempt)
            try await context.saveCheckpoint(Self.done)
            log.recordCheckpointSaved(job, effect: effect)
        }
        var services: [any Service] = (0..<processors).map { _ in
            JobProcessor(
                broker: harness.broker, registry: registry, configuration: harness.configuration(concurrency: 8, lease: .seconds(2)),
                logger: Logger(label: "test"), metrics: JobMetricsCache())
        }
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [harness.queue]
        maintenance.forwarderMaximumSleep = .milliseconds(50)
        maintenance.recoveryInterval = .milliseconds(200)
        maintenance.orphanGrace = .seconds(2)
        services.append(MaintenanceLoop.forwarder(broker: harness.broker, configuration: maintenance, logger: Logger(label: "test")))
        services.append(MaintenanceLoop.leaseRecoverer(broker: harness.broker, configuration: maintenance, logger: Logger(label: "test")))
        try await withRunningServices(services, body)
    }

    /// Rewrites the AOF (`BGREWRITEAOF`, whose new file is fsynced) and waits for it, so the enqueued jobs are on disk
    /// before the crash: the test is about what the run writes, not about the enqueue.
    static func makeDurable(_ client: RedisClient) async throws {
        _ = try await client.send(["BGREWRITEAOF"])
        try await eventually("the AOF rewrite to finish") {
            let info = try await client.send(["INFO", "persistence"]).string ?? ""
            return info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
                && info.contains("aof_last_bgrewrite_status:ok")
        }
    }

    /// The `state` field of each job, in order (pipelined).
    static func states(of ids: [JobID], _ harness: WorkerHarness) async throws -> [String?] {
        var states: [String?] = []
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
            let replies = try await harness.client.pipeline(chunk.map { ["HGET", harness.keys.job($0), JobHashField.state] })
            states += replies.map(\.string)
        }
        return states
    }
}
