import Foundation
import JobQueue
import Logging

extension PublishRun {
    /// One status poll. A final status ends the job; otherwise the job snoozes until the next poll (5 s, doubling to
    /// 60 s), and past the confirmation deadline it is marked `unconfirmed` and checked in the slow lane — never posted
    /// again.
    mutating func poll(token: String) async throws {
        guard let publishID = self.checkpoint.publishID else { return }
        let now = try await self.context.now()
        let since = self.checkpoint.pollingSinceMs ?? now.millisecondsSince1970
        if self.checkpoint.pollingSinceMs == nil { self.checkpoint.pollingSinceMs = since }
        // The first poll waits for TikTok to start processing.
        if self.checkpoint.polls == 0, now.millisecondsSince1970 - since < self.configuration.firstPollDelay.milliseconds {
            try await self.save()
            throw SnoozeJob(
                until: Date(timeIntervalSince1970: Double(since + self.configuration.firstPollDelay.milliseconds) / 1000),
                reason: "waiting for TikTok to process the upload")
        }
        let status = try await self.fetchStatus(token: token, publishID: publishID)
        self.configuration.stepHook(.polled)
        try await self.apply(status, publishID: publishID)
    }

    /// One `status/fetch` for `publishID` within the account's status budget, noted in the checkpoint (not saved).
    mutating func fetchStatus(token: String, publishID: String) async throws -> PublishStatus {
        try await self.reserve("status", limit: self.configuration.statusPerWindow, id: "\(self.jobID):status:\(publishID):\(self.checkpoint.polls)")
        let status = try await self.pipeline.client.fetchStatus(accessToken: token, publishID: publishID)
        self.checkpoint.polls += 1
        self.checkpoint.lastStatus = status.state.rawValue
        if !status.publicPostIDs.isEmpty { self.checkpoint.postIDs = status.publicPostIDs }
        return status
    }

    /// What a status means for the job: a final one ends it (outcome saved); otherwise it snoozes until the next poll,
    /// and past the confirmation deadline the post is `unconfirmed`.
    mutating func apply(_ status: PublishStatus, publishID: String) async throws {
        let now = try await self.context.now()
        let since = self.checkpoint.pollingSinceMs ?? now.millisecondsSince1970
        if self.checkpoint.pollingSinceMs == nil { self.checkpoint.pollingSinceMs = since }
        switch status.state {
        case .publishComplete:
            self.checkpoint.outcome = "published"
            self.checkpoint.unconfirmed = false
            try await self.save()
            self.logger.info("published", metadata: ["publish_id": "\(publishID)", "post_ids": "\(status.publicPostIDs)"])
        case .sendToUserInbox:
            self.checkpoint.outcome = "sent_to_inbox"
            self.checkpoint.unconfirmed = false
            try await self.save()
            self.logger.info("sent to the creator's inbox", metadata: ["publish_id": "\(publishID)"])
        case .failed:
            try await self.publishFailed(status)
        default:
            let elapsed = now.millisecondsSince1970 - since
            let delay: Duration
            if elapsed >= self.configuration.confirmationDeadline.milliseconds {
                if !self.checkpoint.unconfirmed { self.logger.warning("no final status by the deadline: post unconfirmed, checking later") }
                self.checkpoint.unconfirmed = true
                delay = self.configuration.recheckInterval
            } else {
                let doubled = self.configuration.firstPollDelay * (1 << min(self.checkpoint.polls, 16))
                delay = min(doubled, self.configuration.maximumPollDelay)
            }
            try await self.save()
            throw SnoozeJob(until: now.addingTimeInterval(delay.seconds), reason: "TikTok status \(status.state.rawValue)")
        }
    }

    /// `FAILED`: a retry-worthy reason starts a new publish on the next attempt; any other ends the post.
    mutating func publishFailed(_ status: PublishStatus) async throws {
        let reason = status.failReason ?? "unknown"
        self.checkpoint.failReason = reason
        switch status.failureClassification ?? .permanent {
        case .transient:
            self.logger.warning("TikTok failed the publish with a retry-worthy reason: a new publish follows", metadata: ["fail_reason": "\(reason)"])
            self.checkpoint.abandonPublish()
            self.checkpoint.capReserved = false
            try await self.save()
            throw TikTokError(.internalError, message: "publish failed: \(reason)")
        case .account(let accountReason):
            self.checkpoint.outcome = "failed"
            try await self.save()
            try await self.holdAccount(for: accountReason, code: reason)
            throw PermanentJobError(code: reason, message: "TikTok failed the publish: \(reason)")
        case .throttled, .permanent:
            self.checkpoint.outcome = "failed"
            try await self.save()
            throw PermanentJobError(code: reason, message: "TikTok failed the publish: \(reason)")
        }
    }

    /// Turns a TikTok refusal into what the job does: snooze (throttled, cooldown), hold the account and stop
    /// (restricted, reauth), retry (transient) or fail (permanent).
    mutating func handle(_ error: TikTokError) async throws {
        switch error.classification {
        case .transient:
            throw error
        case .throttled:
            let wait = error.suggestedDelay ?? .seconds(60)
            throw SnoozeJob(until: try await self.context.now().addingTimeInterval(wait.seconds), reason: "TikTok rate limit (\(error.code))")
        case .account(let reason):
            try await self.holdAccount(for: reason, code: error.code.rawValue)
            if reason == .needsReauth {
                // The cached token was refused: drop it so the next run waits for a refreshed one.
                try? await self.pipeline.tokens.remove(account: self.job.accountID)
                throw SnoozeJob(until: try await self.context.now().addingTimeInterval(self.configuration.tokenWait.seconds), reason: "access token refused")
            }
            if let wait = error.suggestedDelay {
                throw SnoozeJob(until: try await self.context.now().addingTimeInterval(wait.seconds), reason: "account cannot post now (\(error.code))")
            }
            throw PermanentJobError(code: error.code.rawValue, message: "the account cannot post: \(error.code)")
        case .permanent:
            throw PermanentJobError(code: error.code.rawValue, message: error.message ?? "TikTok refused the request")
        }
    }

    func holdAccount(for reason: Classification.AccountReason, code: String) async throws {
        switch reason {
        case .cooldown, .tooManyPendingDrafts, .clientCapReached:
            let wait = Classification.account(reason).suggestedDelay ?? .seconds(6 * 3600)
            try await self.pipeline.holds.hold(self.job.accountID, reason: .cooldown, for: wait)
        case .restricted:
            try await self.pipeline.holds.hold(self.job.accountID, reason: .restricted, for: .seconds(24 * 3600))
        case .needsReconnect, .scopeNotGranted:
            try await self.pipeline.holds.hold(self.job.accountID, reason: .needsReauth, for: .seconds(24 * 3600))
        case .needsReauth:
            break  // a refresh may fix it: the token is dropped, not the account held
        }
        self.logger.warning("account hold", metadata: ["reason": "\(reason.rawValue)", "code": "\(code)"])
    }
}
