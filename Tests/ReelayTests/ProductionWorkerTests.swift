import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

@testable import Reelay

#if canImport(Glibc)
import Glibc
#endif

/// Benchmark jobs (whose payload names any Redis key to increment) run only in `reelay bench worker`; a production
/// `reelay worker` has no handler for them, so one sent to it dies as an unknown job without touching its key.
@Suite(.serialized) struct ProductionWorkerTests {
    @Test func theProductionRegistryHasNoBenchmarkJob() throws {
        let redis = try RedisClient(url: "redis://127.0.0.1:1")
        let production = WorkerOptions.jobRegistry(redis: redis, publishing: nil, benchmarkJobs: false)
        #expect(!production.jobNames.contains { $0.hasPrefix("reelay.bench.") }, "\(production.jobNames)")
        let bench = WorkerOptions.jobRegistry(redis: redis, publishing: nil, benchmarkJobs: true)
        #expect(bench.jobNames.contains(IncrementCounter.jobName) && bench.jobNames.contains(FlakyIncrement.jobName))
    }

    /// The same job, enqueued for a `reelay worker` process, ends dead (no handler) with its counter untouched; for a
    /// `reelay bench worker` process it runs.
    @Test(.timeLimit(.minutes(1))) func aBenchJobSentToAProductionWorkerDiesUnknownWithoutRunning() async throws {
        let url = try await TestEnvironment.redisURL()
        let client = try RedisClient(url: url)
        let broker = RedisJobBroker(client: client)
        for (command, expected) in [(["worker"], "dead"), (["bench", "worker"], "completed")] {
            let queue = TestEnvironment.uniqueName("prod").lowercased()
            let keys = try QueueKeys(queue: queue)
            let counter = TestEnvironment.uniqueName("counter")
            let logPath = NSTemporaryDirectory() + "reelay-worker-\(UUID().uuidString).log"
            let worker = try WatchedProcess(
                arguments: [ReelayBinary.path] + command + [
                    "--redis-url", url, "--queues", queue, "--concurrency", "1", "--log-level", "warning",
                ],
                logPath: logPath, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            try await worker.waitUntilStarted()
            let request = try JobRequest(IncrementCounter(key: counter), options: EnqueueOptions(maxAttempts: 3))
            _ = try await broker.enqueue([request], queue: queue, now: Date())
            let state: String? = try? await eventuallyValue("the job to end", timeout: .seconds(20)) { () async throws -> String? in
                guard let state = try await client.send(["HGET", keys.job(request.options.id), JobHashField.state]).string,
                    state == "dead" || state == "completed"
                else { return nil }
                return state
            }
            worker.signal(SIGTERM)
            try await worker.waitUntilExited(timeout: .seconds(15))
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            #expect(state == expected, "\(command): \(log)")
            if expected == "dead" {
                let lastError = try await client.send(["HGET", keys.job(request.options.id), JobHashField.lastError]).string
                #expect(lastError?.contains("no handler registered") == true, "\(String(describing: lastError))")
                #expect(try await client.send(["GET", counter]) == .null, "the key the payload named is untouched")
            } else {
                #expect(try await client.send(["GET", counter]).string == "1")
            }
            _ = try await client.send(["DEL", counter])
        }
        await client.shutdown()
    }
}
