import Foundation
import JobQueue
import TestSupport
import Testing

/// Never twice, never lost: a `reelay worker` process publishing to the sandbox is killed with SIGKILL at each step of
/// the publish (or TikTok's answer is lost after it acted), another worker takes the job over, and the creator ends
/// up with exactly one published post whose bytes hash to the source file's SHA-256.
@Suite struct PublishCrashTests {
    @Test(arguments: ["init-sending", "init-answered", "init-saved", "chunk-0", "upload-answered", "polled"])
    func aWorkerKilledAtAnyStepLeavesExactlyOnePublishedPost(step: String) async throws {
        try await PublishFixture.with { fixture in
            let crashing = try fixture.startWorker(crashAt: step, logName: "crash-\(step)")
            try await crashing.waitUntilExited(timeout: .seconds(60))
            #expect(crashing.exitStatus != 0, "the worker should have killed itself at \(step)")
            #expect(try await fixture.jobField(JobHashField.state) == "active", "the job is left leased by the dead worker")

            let survivor = try fixture.startWorker(logName: "survivor-\(step)")
            let state = try await fixture.waitForTheEnd()
            try await survivor.kill()
            #expect(state == "completed")
            try await Self.expectExactlyOnePublishedPost(fixture)
        }
    }

    /// TikTok creates the publish but the init's answer never arrives: the worker initialises again (an upload
    /// without bytes cannot publish), and only the second publish goes out.
    @Test func aLostInitAnswerStillEndsInOnePost() async throws {
        try await PublishFixture.with { fixture in
            try await fixture.fault(["endpoint": "video_init", "drop_responses": 1, "drop_mode": "close"])
            let worker = try fixture.startWorker(logName: "lost-init")
            let state = try await fixture.waitForTheEnd()
            try await worker.kill()
            #expect(state == "completed")
            #expect(try await fixture.posts().count == 2, "the orphan publish and the real one")
            try await Self.expectExactlyOnePublishedPost(fixture)
        }
    }

    /// TikTok stores a chunk but its answer is lost: the re-sent chunk gets a 416 and the upload resynchronises from
    /// TikTok's count instead of sending bytes twice.
    @Test func aLostChunkAnswerIsResynchronised() async throws {
        try await PublishFixture.with { fixture in
            try await fixture.fault(["endpoint": "upload", "drop_responses": 1, "drop_mode": "close"])
            let worker = try fixture.startWorker(logName: "lost-chunk")
            let state = try await fixture.waitForTheEnd()
            try await worker.kill()
            #expect(state == "completed")
            #expect(try await fixture.posts().count == 1, "one publish: the upload resumed instead of starting over")
            try await Self.expectExactlyOnePublishedPost(fixture)
        }
    }

    static func expectExactlyOnePublishedPost(_ fixture: PublishFixture) async throws {
        let posts = try await fixture.posts()
        let published = posts.filter { $0["status"] as? String == "PUBLISH_COMPLETE" }
        #expect(published.count == 1, "published: \(published.count) of \(posts.count) publishes")
        #expect(published.first?["sha256"] as? String == fixture.videoSHA256, "the bytes TikTok got are the file's")
        #expect(published.first?["bytes_received"] as? Int == fixture.videoSize)
        let checkpoint = try await fixture.jobField(JobHashField.checkpoint) ?? ""
        #expect(checkpoint.contains("\"outcome\":\"published\""), "checkpoint: \(checkpoint)")
        #expect(!checkpoint.contains("upload_id"), "the upload URL is stored sealed, never in clear")
    }
}
