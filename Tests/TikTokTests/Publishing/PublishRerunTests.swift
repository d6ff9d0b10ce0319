import Foundation
import JobQueue
import Redis
import Synchronization
import TestSupport
import Testing
import TikTok
import TikTokSandbox

/// What a run of a publish job does with the checkpoint an earlier run left: a failed publish stays failed, and a
/// run that lost its lease stops sending bytes at its next checkpoint save.
@Suite struct PublishRerunTests {
    /// An earlier run saved TikTok's `FAILED` verdict and died before the job was settled: the re-run ends the job
    /// failed with TikTok's reason (a permanent error), not `completed`, and calls TikTok for nothing.
    @Test func aRerunOfAFailedPublishEndsFailedWithTikToksReason() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            // Every key an earlier run writes, so that the checkpoint decodes whatever the decoder's tolerance.
            let checkpoint = """
                {"abandoned_publish_ids":[],"cap_reserved":true,"chunk_size":6000000,"init_in_flight":false,"inits":1,\
                "last_status":"FAILED","next_chunk":1,"outcome":"failed","fail_reason":"frame_rate_check_failed","polls":1,\
                "polling_since_ms":1764600000000,"post_ids":[],"publish_id":"v_pub_file~v2-1.rerun","unconfirmed":false,\
                "upload_complete":true}
                """
            _ = try await run.redis.send(["HSET", run.keys.job(run.jobID), JobHashField.checkpoint, checkpoint])
            try await run.running {
                try await run.waitUntil("the job ends") { ["dead", "completed"].contains(try await run.field(JobHashField.state)) }
            }
            #expect(try await run.field(JobHashField.state) == "dead")
            let lastError = try await run.field(JobHashField.lastError) ?? ""
            #expect(lastError.hasPrefix("frame_rate_check_failed"), "last error: \(lastError)")
            #expect(try await sandbox.posts(of: run.openID).isEmpty, "nothing was sent to TikTok")
            await run.redis.shutdown()
        }
    }

    /// A checkpoint that does not decode may name a publish TikTok holds: the run fails the job for an operator
    /// instead of starting afresh (which could publish a second time), and sends TikTok nothing.
    @Test func anUnreadableCheckpointFailsTheJobInsteadOfPublishingAgain() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            _ = try await run.redis.send(["HSET", run.keys.job(run.jobID), JobHashField.checkpoint, #"{"publish_id":"v_pub_file~v2-1.cut"#])
            try await run.running {
                try await run.waitUntil("the job ends") { ["dead", "completed"].contains(try await run.field(JobHashField.state)) }
            }
            #expect(try await run.field(JobHashField.state) == "dead")
            let lastError = try await run.field(JobHashField.lastError) ?? ""
            #expect(lastError.hasPrefix("checkpoint_unreadable"), "last error: \(lastError)")
            #expect(try await sandbox.posts(of: run.openID).isEmpty, "nothing was sent to TikTok")
            await run.redis.shutdown()
        }
    }

    /// Another worker takes the job over (its lease token changes in Redis) while chunk 0 of two is on its way: the
    /// checkpoint save after that chunk answers "lease lost", and the run stops there; TikTok never sees chunk 1.
    @Test func aLostLeaseStopsTheUploadAtTheNextCheckpointSave() async throws {
        try await SandboxHarness.with { sandbox in
            let initSaved = Mutex(false)
            let ended = Mutex<String?>(nil)  // "returned", or the error the handler threw
            let run = try await PipelineRun.make(
                sandbox, videoSize: 20_000_000,
                configure: { configuration in
                    configuration.stepHook = { step in if step == .initSaved { initSaved.withLock { $0 = true } } }
                },
                handlerEnded: { error in
                    let code = (error as? JobQueueError).map { "JobQueueError.\($0.code)" }
                    ended.withLock { $0 = code ?? error.map { "\($0)" } ?? "returned" }
                })
            // Each chunk waits a second in the sandbox before it is read: time for the lease to change hands.
            try await sandbox.fault(["endpoint": "upload", "latency_ms": 1000])
            try await run.running {
                try await run.waitUntil("the publish_id is saved") { initSaved.withLock { $0 } }
                _ = try await run.redis.send(["HSET", run.keys.job(run.jobID), JobHashField.token, "taken-over-by-another-worker"])
                try await run.waitUntil("the handler ends", timeout: .seconds(30)) { ended.withLock { $0 } != nil }
            }
            #expect(ended.withLock { $0 } == "JobQueueError.\(JobQueueError.Code.leaseLost)")
            let posts = try await sandbox.posts(of: run.openID)
            #expect(posts.count == 1)
            let received = posts.first?["bytes_received"] as? Int ?? -1
            #expect(received <= 10_000_000, "TikTok got \(received) bytes: the upload went on after the lease was lost")
            await run.redis.shutdown()
        }
    }
}
