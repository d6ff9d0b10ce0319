import Foundation
import JobQueue
import Logging

extension PublishRun {
    /// Creator info, the daily cap, the init budget, then the init itself between an in-flight marker and the saved
    /// `publish_id`.
    mutating func initialise(token: String) async throws {
        try await self.reserve(
            "creator_info", limit: self.configuration.creatorInfoPerWindow, id: "\(self.jobID):ci:\(self.context.job.attempt):\(self.checkpoint.inits)")
        let creator = try await self.pipeline.client.creatorInfo(accessToken: token)
        try self.check(against: creator)

        if !self.checkpoint.capReserved {
            let decision = try await self.pipeline.dailyCap.reserve(
                key: "tiktok:\(self.job.accountID):posts", cap: self.job.dailyCap, timeZone: self.job.timeZone, now: try await self.context.now())
            if let retryAt = decision.retryAt { throw SnoozeJob(until: retryAt, reason: "the account's daily post cap is used") }
            self.checkpoint.capReserved = true
            try await self.save()
        }
        try await self.reserve("init", limit: self.configuration.initsPerWindow, id: "\(self.jobID):init:\(self.checkpoint.inits)")

        let plan = try ChunkPlan(videoSize: self.job.videoSize)
        self.checkpoint.initInFlight = true
        self.checkpoint.inits += 1
        try await self.save()
        self.configuration.stepHook(.initSending)
        let ticket: PublishTicket
        switch self.job.mode {
        case .direct:
            guard let postInfo = self.job.postInfo else {
                throw PermanentJobError(code: "invalid_post", message: "a direct post needs its post settings")
            }
            ticket = try await self.pipeline.client.initDirectPost(accessToken: token, postInfo: postInfo, source: .fileUpload(plan))
        case .inbox:
            ticket = try await self.pipeline.client.initInbox(accessToken: token, source: .fileUpload(plan))
        }
        self.configuration.stepHook(.initAnswered)
        guard let uploadURL = ticket.uploadURL else {
            throw TikTokError(.malformedResponse, message: "init answered without an upload_url")
        }
        self.checkpoint.publishID = ticket.publishID
        self.checkpoint.sealedUploadURL = try self.pipeline.tokens.cipher.encrypt(uploadURL, context: ticket.publishID)
        self.checkpoint.uploadIssuedAtMs = try await self.context.now().millisecondsSince1970
        self.checkpoint.chunkSize = plan.chunkSize
        self.checkpoint.nextChunk = 0
        self.checkpoint.initInFlight = false
        try await self.save()
        self.logger.info("publish initialised", metadata: ["publish_id": "\(ticket.publishID)", "chunks": "\(plan.chunkCount)"])
        self.configuration.stepHook(.initSaved)
    }

    /// The stored choices must still fit the creator: privacy offered, duration allowed, no interaction enabled that
    /// the creator turned off. A mismatch fails the post; the worker never changes a creator's choice.
    func check(against creator: CreatorInfo) throws {
        if let duration = self.job.durationSeconds, duration > creator.maxVideoPostDurationSeconds {
            throw PermanentJobError(
                code: "duration_not_allowed", message: "video of \(duration) s, the creator may post \(creator.maxVideoPostDurationSeconds) s")
        }
        guard self.job.mode == .direct, let info = self.job.postInfo else { return }
        guard creator.privacyLevelOptions.contains(info.privacyLevel) else {
            throw PermanentJobError(code: "privacy_level_not_offered", message: "the creator no longer offers \(info.privacyLevel)")
        }
        if (creator.commentDisabled && !info.disableComment) || (creator.duetDisabled && !info.disableDuet)
            || (creator.stitchDisabled && !info.disableStitch)
        {
            throw PermanentJobError(code: "interaction_disabled", message: "the post enables an interaction the creator turned off")
        }
    }

    /// Sends the chunks from the saved next chunk, saving progress after each; a 416 resynchronises from TikTok's count.
    /// `upload_started` is saved before the first byte goes out. Returns false when the upload URL was refused (403,
    /// 404) after bytes were sent: TikTok may hold them all, so the caller asks `status/fetch` before anything else.
    /// - Throws: a checkpoint save's error (a lost lease above all), before any further chunk is sent.
    mutating func upload(_ media: MediaFile) async throws -> Bool {
        guard let publishID = self.checkpoint.publishID, let sealed = self.checkpoint.sealedUploadURL, let chunkSize = self.checkpoint.chunkSize
        else { return true }
        let uploadURL = try self.pipeline.tokens.cipher.decrypt(sealed, context: publishID)
        let plan = try ChunkPlan(videoSize: self.job.videoSize, chunkSize: chunkSize)
        guard let contentType = VideoContentType(rawValue: self.job.contentType) else {
            throw PermanentJobError(code: "media_unsupported", message: "content type \(self.job.contentType) cannot be uploaded")
        }
        if self.checkpoint.uploadStarted != true {
            // From the first byte on, a crash can hide that TikTok holds every byte: re-runs must ask it first.
            self.checkpoint.uploadStarted = true
            try await self.save()
        }
        var resyncs = 0
        while !self.checkpoint.uploadComplete {
            let round = try await self.sendChunks(media: media, uploadURL: uploadURL, plan: plan, contentType: contentType)
            switch round {
            case .success(let reached):
                self.checkpoint = reached
                self.checkpoint.uploadComplete = true
            case .failure(let error) where error.code == .uploadRangeMismatch && resyncs < 3 && error.receivedBytes != nil:
                resyncs += 1
                let received = error.receivedBytes ?? 0
                if received >= self.job.videoSize {
                    self.checkpoint.uploadComplete = true  // the last chunk arrived; only its answer was lost
                } else {
                    self.checkpoint.nextChunk = plan.nextChunk(afterReceivedBytes: received)
                    self.logger.notice("upload resynchronised", metadata: ["received": "\(received)", "next_chunk": "\(self.checkpoint.nextChunk)"])
                }
            case .failure(let error) where error.requiresNewPublish:
                self.logger.notice("upload URL refused after bytes were sent: asking TikTok what it holds", metadata: ["code": "\(error.code)"])
                self.checkpoint.uploadURLRefused = true
                try await self.save()
                return false
            case .failure(let error):
                throw error
            }
        }
        self.checkpoint.pollingSinceMs = try await self.context.now().millisecondsSince1970
        try await self.save()
        self.logger.info("upload complete", metadata: ["publish_id": "\(publishID)"])
        return true
    }

    /// Sends the chunks from the checkpoint's next chunk; returns the checkpoint as it stands after the last one, or
    /// TikTok's refusal.
    /// - Throws: the error of a chunk's checkpoint save (a lost lease above all: another worker may own the upload
    ///   now); the chunk after it is not sent.
    func sendChunks(media: MediaFile, uploadURL: String, plan: ChunkPlan, contentType: VideoContentType) async throws
        -> Result<PublishCheckpoint, TikTokError>
    {
        let box = CheckpointBox(self.checkpoint)
        let hook = self.configuration.stepHook
        let context = self.context
        do {
            _ = try await self.pipeline.client.upload(
                file: media.path, to: uploadURL, plan: plan, startingAtChunk: min(self.checkpoint.nextChunk, plan.chunkCount - 1),
                contentType: contentType
            ) { progress in
                if progress.isComplete {
                    hook(.uploadAnswered)
                    return true
                }
                hook(.chunkAccepted(progress.chunkIndex))
                let saved = await box.update { $0.nextChunk = progress.nextChunk }
                do {
                    try await context.saveCheckpoint(encoding: saved)
                    return true
                } catch {
                    await box.stop(error)
                    return false
                }
            }
        } catch {
            return .failure(error)
        }
        if let error = await box.stopError { throw error }
        return .success(await box.value)
    }

    /// Reserves one unit of the account's budget for `endpoint`, or snoozes until one frees (no attempt used).
    func reserve(_ endpoint: String, limit: Int, id: String) async throws {
        let decision = try await self.pipeline.limiter.reserve(
            key: "tiktok:\(self.job.accountID):\(endpoint)", limit: limit, window: self.configuration.rateWindow, now: try await self.context.now(), id: id)
        if let retryAt = decision.retryAt { throw SnoozeJob(until: retryAt, reason: "\(endpoint) budget used") }
    }
}

/// The checkpoint shared with the upload's progress callback, and the save error that stopped the upload.
actor CheckpointBox {
    private(set) var value: PublishCheckpoint
    private(set) var stopError: (any Error)?
    init(_ value: PublishCheckpoint) { self.value = value }
    func stop(_ error: any Error) { self.stopError = error }
    func update(_ change: (inout PublishCheckpoint) -> Void) -> PublishCheckpoint {
        change(&self.value)
        return self.value
    }
}
