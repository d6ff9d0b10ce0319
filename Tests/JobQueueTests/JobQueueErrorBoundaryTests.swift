import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import Testing

/// `JobQueueError.description` is generic (code, queue, job name); reply rows, payloads and Redis's own messages stay
/// in `debugDescription`, and the worker logs them at debug level only.
@Suite struct JobQueueErrorBoundaryTests {
    @Test func theDescriptionCarriesNoReplyRowOrPayload() {
        let error = JobQueueError(
            .broker, detail: #"claim: unexpected reply row ["7f3c", "{\"key\":\"secret-payload\"}"]: ERR something odd"#,
            queue: "publish", jobName: "tiktok.publish")
        #expect(!error.description.contains("secret-payload"))
        #expect(!error.description.contains("ERR"))
        #expect(!error.description.contains("7f3c"))
        #expect(error.description == "JobQueueError(broker) queue: publish, job: tiktok.publish")
        #expect(error.debugDescription.contains("secret-payload") && error.debugDescription.contains("ERR something odd"))
        #expect("\(error)" == error.description, "interpolation (what log lines use) gives the generic text")
        #expect(JobQueueError(.leaseLost, detail: "checkpoint job 1 in q").description == "JobQueueError(leaseLost)")
    }

    /// A Redis error that flows into a ``JobQueueError`` (a wrong-typed key, real Redis) keeps its server message out
    /// of the description and out of the worker's warning; the detail is logged at debug only.
    @Test(.timeLimit(.minutes(1))) func aRedisMessageStaysOutOfTheDescriptionAndTheWarnings() async throws {
        let harness = try await WorkerHarness.make()
        _ = try await harness.client.send(["SET", harness.keys.lease, "not-a-sorted-set"])
        let error = await #expect(throws: JobQueueError.self) {
            _ = try await harness.broker.claim(queue: harness.queue, worker: "w", limit: 1, leaseDuration: .seconds(3), wait: .zero, now: Date())
        }
        #expect(error?.code == .broker)
        #expect(error?.description.contains("WRONGTYPE") == false, "\(String(describing: error?.description))")
        #expect(error?.debugDescription.contains("WRONGTYPE") == true)

        let (logger, lines) = CapturingLogHandler.logger()
        let processor = JobProcessor(
            broker: harness.broker, registry: JobRegistry(), configuration: harness.configuration(concurrency: 1), logger: logger)
        _ = try await harness.enqueue([ProbeJob(mode: "ok", key: "unused")])
        try await harness.running(processor) {
            try await eventually("a failed pickup to be logged") { lines.atLeast(.info).contains { $0.hasPrefix("pickup failed") } }
        }
        let visible = lines.atLeast(.info)
        #expect(!visible.isEmpty && visible.allSatisfy { !$0.contains("WRONGTYPE") }, "\(visible)")
        #expect(lines.at(.debug).contains { $0.contains("WRONGTYPE") }, "the detail is there for whoever turns debug on")
        _ = try await harness.client.send(["DEL", harness.keys.active, harness.keys.ready, harness.keys.lease])
        await harness.client.shutdown()
    }
}
