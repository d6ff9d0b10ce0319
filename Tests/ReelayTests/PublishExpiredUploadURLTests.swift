import Foundation
import JobQueue
import Synchronization
import TestSupport
import Testing

/// A finished upload is never published twice: when a worker dies after TikTok took the last chunk but before the
/// checkpoint said so, and the upload URL has expired by the time another worker takes the job over, the re-run asks
/// `status/fetch` what TikTok holds before deciding anything, and polls the publish instead of starting a new one.
@Suite struct PublishExpiredUploadURLTests {
    @Test func aFinishedUploadWhoseURLExpiredIsPolledNotPublishedAgain() async throws {
        let sandboxClock = JumpingClock()
        try await PublishFixture.with(sandboxClock: sandboxClock.read) { fixture in
            let crashing = try fixture.startWorker(crashAt: "upload-answered", logName: "expired-url")
            try await crashing.waitUntilExited(timeout: .seconds(60))
            #expect(crashing.exitStatus != 0, "the worker should have killed itself after the last chunk's answer")
            let before = try await fixture.posts()
            #expect(before.count == 1, "one publish before the crash")
            #expect(before.first?["bytes_received"] as? Int == fixture.videoSize, "every byte reached TikTok before the crash")

            sandboxClock.jump(by: .seconds(2 * 3600))  // TikTok's upload_url lives an hour: it is dead now
            let survivor = try fixture.startWorker(logName: "expired-url-survivor")
            let state = try await fixture.waitForTheEnd()
            try await survivor.kill()
            #expect(state == "completed")
            #expect(try await fixture.posts().count == 1, "no second publish was started")
            try await PublishCrashTests.expectExactlyOnePublishedPost(fixture)
        }
    }

    /// The worker dies after TikTok took chunk 0 of 2, and the URL dies before another worker comes: TikTok holds part
    /// of the file and nothing can finish it, yet it is not provably empty, so the publish is polled until TikTok
    /// decides — never replaced by a second publish.
    @Test func aPartUploadWhoseURLExpiredIsPolledNotReplaced() async throws {
        let sandboxClock = JumpingClock()
        try await PublishFixture.with(sandboxClock: sandboxClock.read) { fixture in
            let crashing = try fixture.startWorker(crashAt: "chunk-0", logName: "expired-url-part")
            try await crashing.waitUntilExited(timeout: .seconds(60))
            #expect(crashing.exitStatus != 0, "the worker should have killed itself after chunk 0's answer")
            sandboxClock.jump(by: .seconds(2 * 3600))
            let survivor = try fixture.startWorker(logName: "expired-url-part-survivor")
            try await eventually("the re-run finds the URL dead and waits for TikTok", timeout: .seconds(60)) {
                let checkpoint = try await fixture.jobField(JobHashField.checkpoint) ?? ""
                let state = try await fixture.jobField(JobHashField.state)
                return checkpoint.contains("\"upload_url_refused\":true") && checkpoint.contains("\"last_status\":\"PROCESSING_UPLOAD\"")
                    && state == "scheduled"
            }
            try await survivor.kill()
            let posts = try await fixture.posts()
            #expect(posts.count == 1, "no second publish was started")
            #expect(posts.first?["bytes_received"] as? Int == 10_000_000, "chunk 0 only")
        }
    }

    /// The worker dies right after saving the `publish_id`, before any chunk, and the URL dies: TikTok holds provably
    /// no byte, so the publish is replaced and the post still goes out exactly once.
    @Test func anUploadThatNeverStartedIsReplacedWhenItsURLExpired() async throws {
        let sandboxClock = JumpingClock()
        try await PublishFixture.with(sandboxClock: sandboxClock.read) { fixture in
            let crashing = try fixture.startWorker(crashAt: "init-saved", logName: "expired-url-empty")
            try await crashing.waitUntilExited(timeout: .seconds(60))
            #expect(crashing.exitStatus != 0, "the worker should have killed itself after saving the publish_id")
            sandboxClock.jump(by: .seconds(2 * 3600))
            let survivor = try fixture.startWorker(logName: "expired-url-empty-survivor")
            let state = try await fixture.waitForTheEnd()
            try await survivor.kill()
            #expect(state == "completed")
            #expect(try await fixture.posts().count == 2, "the empty publish and its replacement")
            try await PublishCrashTests.expectExactlyOnePublishedPost(fixture)
        }
    }
}

/// The real time plus an offset the test moves forward: the sandbox's processing still takes its (short) time, and
/// an hour-long upload URL can still die at once.
final class JumpingClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    /// A closure reading this clock, for the sandbox's injected clock.
    var read: @Sendable () -> Date { { Date().addingTimeInterval(self.offset.withLock { $0 }) } }

    /// Moves the clock forward by `duration`.
    func jump(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.offset.withLock { $0 += TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18 }
    }
}
