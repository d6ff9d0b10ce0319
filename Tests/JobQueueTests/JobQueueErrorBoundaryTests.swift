import Foundation
import JobQueue
import Logging
import Redis
import Synchronization
import TestSupport
import Testing

/// Keeps every log line (level, message, metadata) for tests that check what a worker logs.
struct QueueCapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        private let lines = Mutex<[(level: Logger.Level, text: String)]>([])
        func append(_ level: Logger.Level, _ text: String) { self.lines.withLock { $0.append((level, text)) } }
        /// The lines logged at `level` or above.
        func atLeast(_ level: Logger.Level) -> [String] { self.lines.withLock { $0.filter { $0.level >= level }.map(\.text) } }
        /// The lines logged at exactly `level`.
        func at(_ level: Logger.Level) -> [String] { self.lines.withLock { $0.filter { $0.level == level }.map(\.text) } }
    }

    let store: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.store.append(event.level, "\(event.message) \(merged)")
    }

    /// A logger writing into a fresh store.
    static func logger() -> (Logger, Lines) {
        let store = Lines()
        return (Logger(label: "test") { _ in QueueCapturingLogHandler(store: store) }, store)
    }
}

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
        _ = try await harness.client.send(["SET", harness.keys.active, "not-a-list"])
        let error = await #expect(throws: JobQueueError.self) {
            _ = try await harness.broker.claim(queue: harness.queue, worker: "w", limit: 1, leaseDuration: .seconds(3), wait: .zero, now: Date())
        }
        #expect(error?.code == .broker)
        #expect(error?.description.contains("WRONGTYPE") == false, "\(String(describing: error?.description))")
        #expect(error?.debugDescription.contains("WRONGTYPE") == true)

        let (logger, lines) = QueueCapturingLogHandler.logger()
        let processor = JobProcessor(
            broker: harness.broker, registry: JobRegistry(), configuration: harness.configuration(concurrency: 1), logger: logger)
        _ = try await harness.enqueue([ProbeJob(mode: "ok", key: "unused")])
        try await harness.running(processor) { _ in
            try await eventually("a failed pickup to be logged") { lines.atLeast(.info).contains { $0.hasPrefix("pickup failed") } }
        }
        let visible = lines.atLeast(.info)
        #expect(!visible.isEmpty && visible.allSatisfy { !$0.contains("WRONGTYPE") }, "\(visible)")
        #expect(lines.at(.debug).contains { $0.contains("WRONGTYPE") }, "the detail is there for whoever turns debug on")
        _ = try await harness.client.send(["DEL", harness.keys.active, harness.keys.ready, harness.keys.lease])
        await harness.client.shutdown()
    }
}
