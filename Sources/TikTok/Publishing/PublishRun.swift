import Foundation
import JobQueue
import Logging

/// One run of a publish job: the checkpoint it resumes from, and the steps (see ``PublishPipeline``).
struct PublishRun {
    let pipeline: PublishPipeline
    let job: PublishVideo
    let context: JobContext
    var checkpoint: PublishCheckpoint
    var logger: Logger { self.context.logger }
    var configuration: PublishConfiguration { self.pipeline.configuration }
    var jobID: String { self.context.job.id.description }

    init(pipeline: PublishPipeline, job: PublishVideo, context: JobContext) {
        self.pipeline = pipeline
        self.job = job
        self.context = context
        let decoded = context.previousCheckpoint.flatMap { try? JSONDecoder().decode(PublishCheckpoint.self, from: Data($0.utf8)) }
        self.checkpoint = decoded ?? PublishCheckpoint()
    }

    mutating func start() async throws {
        guard self.checkpoint.outcome == nil else { return }  // finished before a crash hid it: nothing to redo
        if let hold = try await self.pipeline.holds.current(self.job.accountID) {
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
        let now = Date()
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

    mutating func publish(token: String) async throws {
        if self.checkpoint.uploadComplete {
            return try await self.poll(token: token)
        }
        let media = try self.mediaFile()
        if self.checkpoint.publishID != nil, !self.uploadURLIsFresh {
            self.logger.notice("upload URL too old to resume: starting a new publish (the old one has no complete upload)")
            self.checkpoint.abandonPublish()
            try await self.save()
        }
        if self.checkpoint.publishID == nil {
            if self.checkpoint.initInFlight {
                // FILE_UPLOAD: an init whose bytes never arrive cannot publish, so a new init is safe (reference §7).
                self.logger.notice("an earlier init's outcome is unknown; initialising again (an upload without bytes cannot publish)")
            }
            try await self.initialise(token: token)
        }
        try await self.upload(media)
        try await self.poll(token: token)
    }

    var uploadURLIsFresh: Bool {
        guard let issued = self.checkpoint.uploadIssuedAtMs else { return false }
        return Date().millisecondsSince1970 - issued < self.configuration.uploadURLLifetime.milliseconds
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
