import Foundation
import JobQueue
import Logging

/// One run of a publish job: the checkpoint it resumes from, and the steps (see ``PublishPipeline``).
struct PublishRun {
    let pipeline: PublishPipeline
    let job: PublishVideo
    let context: JobContext
    var checkpoint: PublishCheckpoint
    /// The earlier run's checkpoint did not decode: it may name a publish TikTok holds, so the run must not start afresh.
    let checkpointUnreadable: Bool
    /// The job's logger (`job.id`, `job.name`, `queue`) with `post.id` (the job id) and `account.id` added.
    let logger: Logger
    var configuration: PublishConfiguration { self.pipeline.configuration }
    var jobID: String { self.context.job.id.description }

    init(pipeline: PublishPipeline, job: PublishVideo, context: JobContext) {
        self.pipeline = pipeline
        self.job = job
        self.context = context
        var logger = context.logger
        logger[metadataKey: "post.id"] = "\(context.job.id)"
        logger[metadataKey: "account.id"] = "\(job.accountID)"
        self.logger = logger
        if let saved = context.previousCheckpoint {
            let decoded = try? JSONDecoder().decode(PublishCheckpoint.self, from: Data(saved.utf8))
            self.checkpoint = decoded ?? PublishCheckpoint()
            self.checkpointUnreadable = decoded == nil
        } else {
            self.checkpoint = PublishCheckpoint()
            self.checkpointUnreadable = false
        }
    }

    mutating func start() async throws {
        if self.checkpointUnreadable {
            throw PermanentJobError(
                code: "checkpoint_unreadable", message: "the saved publish checkpoint does not decode; starting afresh could post twice")
        }
        switch self.checkpoint.outcome {
        case nil:
            break
        case "failed":
            // TikTok's verdict was saved but the job was not settled (crash): it stays failed, never `completed`.
            let reason = self.checkpoint.failReason ?? "publish_failed"
            throw PermanentJobError(code: reason, message: "TikTok failed the publish: \(reason)")
        default:
            return  // published or delivered before a crash hid it: nothing to redo
        }
        if let hold = try await self.pipeline.holds.current(self.job.accountID, now: try await self.context.now()) {
            if hold.reason == .cooldown { throw SnoozeJob(until: hold.until, reason: "account cooling down") }
            throw PermanentJobError(code: "account_\(hold.reason.rawValue)", message: "the account is on hold: \(hold.reason.rawValue)")
        }
        let token = try await self.accessToken()
        do {
            try await self.publish(token: token)
        } catch let error as TikTokError {
            try await self.handle(error)
        }
    }

    /// The account's access token from the workers' cache; without one, waits (no attempt used) for the token to be
    /// refreshed, and gives up after ``PublishConfiguration/tokenGiveUp``.
    mutating func accessToken() async throws -> String {
        let now = try await self.context.now()
        if let cached = try await self.pipeline.tokens.get(account: self.job.accountID, now: now) {
            if self.checkpoint.waitingForTokenSinceMs != nil {
                self.checkpoint.waitingForTokenSinceMs = nil
                try await self.save()
            }
            return cached.accessToken
        }
        let since = self.checkpoint.waitingForTokenSinceMs ?? now.millisecondsSince1970
        if now.millisecondsSince1970 - since > self.configuration.tokenGiveUp.milliseconds {
            throw PermanentJobError(code: "account_needs_reauth", message: "no usable access token for the account")
        }
        if self.checkpoint.waitingForTokenSinceMs == nil {
            self.checkpoint.waitingForTokenSinceMs = since
            try await self.save()
        }
        throw SnoozeJob(until: now.addingTimeInterval(self.configuration.tokenWait.seconds), reason: "waiting for an access token refresh")
    }

    /// Initialises (once), uploads and polls. A run that finds a `publish_id` whose upload it has not seen finish
    /// asks TikTok first (``reconcile(token:)``): a publish that may hold bytes is never replaced on our own guess.
    mutating func publish(token: String) async throws {
        if self.checkpoint.uploadComplete {
            return try await self.poll(token: token)
        }
        let lease = try await self.remoteLease()
        defer { lease?.release() }
        let media = try lease?.mediaFile ?? self.mediaFile()
        var mustReconcile = self.checkpoint.publishID != nil  // an earlier run's publish: TikTok may hold every byte
        var refusals = 0
        while true {
            if mustReconcile {
                mustReconcile = false
                if try await self.reconcile(token: token) == .settled { return }
            }
            if self.checkpoint.publishID == nil {
                if self.checkpoint.initInFlight {
                    // FILE_UPLOAD: an init whose bytes never arrive cannot publish, so a new init is safe (reference §7).
                    self.logger.notice("an earlier init's outcome is unknown; initialising again (an upload without bytes cannot publish)")
                }
                try await self.initialise(token: token)
            }
            if try await self.upload(media) { break }
            // The upload URL was refused after bytes were sent: ask TikTok once in this run, then leave it to a retry.
            refusals += 1
            guard refusals == 1 else { throw TikTokError(.uploadURLExpired, message: "upload URL refused again after a new publish") }
            mustReconcile = true
        }
        try await self.poll(token: token)
    }

    func uploadURLIsFresh(now: Date) -> Bool {
        guard let issued = self.checkpoint.uploadIssuedAtMs else { return false }
        return now.millisecondsSince1970 - issued < self.configuration.uploadURLLifetime.milliseconds
    }

    /// The job's file through the remote-media cache, when the job names a signed URL and the worker has a cache:
    /// the local file when the media root holds it with the expected size, else a downloaded copy whose SHA-256 was
    /// checked. Nil otherwise (``mediaFile()`` then reads the media root).
    func remoteLease() async throws -> RemoteMediaLease? {
        guard let cache = self.pipeline.remoteMedia, let url = self.job.mediaURL, let sha256 = self.job.mediaSHA256 else { return nil }
        do {
            return try await cache.localFile(for: self.job.mediaPath, url: url, sha256: sha256, size: self.job.videoSize)
        } catch {
            throw error.jobError
        }
    }

    func mediaFile() throws -> MediaFile {
        do {
            let media = try MediaFile(root: self.configuration.mediaRoot, relativePath: self.job.mediaPath)
            guard let size = media.size else { throw MediaFileError(message: "media file missing or unreadable") }
            guard size == self.job.videoSize else {
                throw MediaFileError(message: "media file has \(size) bytes, the post expects \(self.job.videoSize)")
            }
            return media
        } catch let error as MediaFileError {
            throw PermanentJobError(code: "media_unavailable", message: error.message)
        }
    }

    /// Saves the checkpoint (and so a progress event) before the next remote call.
    func save() async throws {
        try await self.context.saveCheckpoint(encoding: self.checkpoint)
    }
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded()) }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var seconds: Double { Double(self.milliseconds) / 1000 }
}
