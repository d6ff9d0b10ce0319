import Foundation
import JobQueue
import Logging

extension PublishRun {
    /// What ``reconcile(token:)`` decided.
    enum Reconciliation {
        /// The upload URL still works and TikTok lacks bytes: send from the chunk TikTok needs next.
        case resume
        /// The publish cannot go out (TikTok reported it failed, or it provably holds no byte): a new one may start.
        case replaced
        /// TikTok holds every byte, or the post already ended, or nothing more can be sent to it: the run saved what it
        /// learnt and ended, or snoozes until the next poll.
        case settled
    }

    /// A run that finds a `publish_id` whose upload it did not see finish asks TikTok (`status/fetch`, with
    /// `uploaded_bytes` where given) before deciding anything, because a crash can hide that every byte arrived:
    /// - `FAILED`: handled as a failed publish (a retry-worthy reason starts a new publish, any other ends the post);
    /// - a final state, or `uploaded_bytes` equal to the file's size: the upload is complete; the publish is polled;
    /// - the upload URL still usable: the upload resumes where TikTok's count says;
    /// - the URL dead and TikTok holding provably no byte (it says 0, or no chunk was ever sent): replaced;
    /// - the URL dead with some bytes, or a count TikTok does not give: polled until TikTok decides, never replaced.
    mutating func reconcile(token: String) async throws -> Reconciliation {
        guard let publishID = self.checkpoint.publishID else { return .replaced }
        let status = try await self.fetchStatus(token: token, publishID: publishID)
        let uploaded = status.uploadedBytes
        self.logger.info(
            "re-run: TikTok asked about the publish before anything else",
            metadata: ["publish_id": "\(publishID)", "status": "\(status.state)", "uploaded_bytes": "\(uploaded.map { "\($0)" } ?? "not given")"])
        if status.state == .failed {
            try await self.publishFailed(status)  // always throws: a new publish on the next run, or the post fails
            return .replaced
        }
        if status.isTerminal || uploaded == self.job.videoSize {
            self.checkpoint.uploadComplete = true
            try await self.apply(status, publishID: publishID)
            return .settled
        }
        if self.uploadURLIsFresh(now: try await self.context.now()), self.checkpoint.uploadURLRefused != true, let chunkSize = self.checkpoint.chunkSize {
            if let uploaded {
                self.checkpoint.nextChunk = try ChunkPlan(videoSize: self.job.videoSize, chunkSize: chunkSize).nextChunk(afterReceivedBytes: uploaded)
            }
            try await self.save()
            return .resume
        }
        if uploaded == 0 || !self.checkpoint.bytesMayHaveBeenSent {
            self.logger.notice(
                "upload URL dead and TikTok holds no byte of the publish: starting a new one", metadata: ["publish_id": "\(publishID)"])
            self.checkpoint.abandonPublish()
            try await self.save()
            return .replaced
        }
        self.logger.warning(
            "upload URL dead with bytes sent: the publish is polled until TikTok decides, never replaced",
            metadata: ["publish_id": "\(publishID)", "uploaded_bytes": "\(uploaded.map { "\($0)" } ?? "not given")"])
        try await self.apply(status, publishID: publishID)
        return .settled
    }
}
