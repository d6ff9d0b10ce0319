import Crypto
import Foundation

/// What `creator_info/query` answers: the creator, and a code that says "do not post now" (sent with HTTP 200).
struct CreatorInfoAnswer: Sendable {
    var creator: Creator
    var privacyLevelOptions: [String]
    var blockingCode: String?
}

/// A new publish and, for FILE_UPLOAD, its upload session id and token.
struct CreatedPost: Sendable {
    var post: PostRecord
    var upload: (id: String, token: String)?
}

extension SandboxState {
    /// Creator info for `caller`, with the daily cap, the unaudited user cap and injected errors applied.
    func creatorInfo(caller: Caller, now: Date) throws(PostingError) -> CreatorInfoAnswer {
        guard let creator = self.creators[caller.openID] else { throw .accessTokenInvalid }
        var blocking: String?
        if let forced = self.forcedError(.creatorInfo, openID: caller.openID) {
            guard ["spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap"].contains(forced) else {
                throw .forced(forced)
            }
            blocking = forced
        } else if self.configuration.unaudited, self.activeUserCapReached(excluding: caller.openID, now: now) {
            blocking = PostingError.activeUserCap.code
        } else if self.recentPosts(of: caller.openID, mode: .direct, now: now) >= creator.dailyPostCap {
            blocking = PostingError.tooManyPosts.code
        }
        return CreatorInfoAnswer(creator: creator, privacyLevelOptions: self.offeredLevels(creator), blockingCode: blocking)
    }

    /// Creates a publish after the policy checks of reference §2.4/§2.7/§3.2, in this order: injected error,
    /// unaudited public account, privacy level, unaudited user cap, URL ownership, daily cap / pending shares.
    func createPost(caller: Caller, request: InitRequest, mode: PostRecord.Mode, now: Date) throws(PostingError) -> CreatedPost {
        guard let creator = self.creators[caller.openID] else { throw .accessTokenInvalid }
        if let forced = self.forcedError(mode == .direct ? .videoInit : .inboxInit, openID: caller.openID) { throw .forced(forced) }
        if mode == .direct {
            if self.configuration.unaudited, !creator.isPrivate { throw .unauditedPublicAccount }
            guard let level = request.postInfo?.privacyLevel, self.offeredLevels(creator).contains(level) else { throw .privacyMismatch }
            // The Direct Post table marks brand_content_toggle required; the sandbox enforces it (conservative).
            guard let brandContent = request.postInfo?.brandContentToggle else { throw .invalidParam("post_info.brand_content_toggle is required.") }
            if brandContent, level == PrivacyLevel.selfOnly {
                throw .invalidParam("Branded content cannot be SELF_ONLY.")
            }
            if self.configuration.unaudited, self.activeUserCapReached(excluding: caller.openID, now: now) { throw .activeUserCap }
        }
        if case .pull(let url) = request.source, !PullPolicy(configuration: self.configuration).isVerified(url) {
            throw .urlOwnershipUnverified
        }
        switch mode {
        case .direct:
            if self.recentPosts(of: caller.openID, mode: .direct, now: now) >= creator.dailyPostCap { throw .tooManyPosts }
        case .inbox:
            // In the sandbox no creator ever acts on a draft, so every inbox share of the window is still pending.
            if self.recentPosts(of: caller.openID, mode: .inbox, now: now) >= self.configuration.pendingShareCap { throw .tooManyPendingShares }
        }
        return self.insertPost(caller: caller, request: request, mode: mode, now: now)
    }

    /// The publish `publishID` as its owner sees it now.
    func publishStatus(caller: Caller, publishID: String, now: Date) throws(PostingError) -> (PostRecord, PublishView) {
        let post = try self.ownedPost(caller: caller, publishID: publishID)
        if let forced = self.forcedError(.status, openID: caller.openID) { throw .forced(forced) }
        return (post, self.view(publishID: publishID, now: now))
    }

    /// Cancels a PULL_FROM_URL download still in progress; anything else is `publish_not_cancellable` (cancelling a
    /// FILE_UPLOAD task is undocumented: UNCONFIRMED, refused).
    func cancel(caller: Caller, publishID: String, now: Date) throws(PostingError) {
        let post = try self.ownedPost(caller: caller, publishID: publishID)
        if let forced = self.forcedError(.cancel, openID: caller.openID) { throw .forced(forced) }
        guard post.source == .pullFromURL, post.transferCompletedAt == nil, post.transferFailure == nil else { throw .notCancellable }
        self.posts[publishID]?.transferFailure = FailReason.publishCancelled
        self.dirty = true
    }

    /// The status of a publish at `now`, deciding its outcome once processing has ended.
    func view(publishID: String, now: Date) -> PublishView {
        guard var post = self.posts[publishID] else { return PublishView(status: PublishStatus.failed, postIDs: []) }
        let processing = post.source == .fileUpload ? PublishStatus.processingUpload : PublishStatus.processingDownload
        if let failure = post.transferFailure { return PublishView(status: PublishStatus.failed, failReason: failure, postIDs: []) }
        guard let done = post.transferCompletedAt else { return PublishView(status: processing, postIDs: []) }
        let endsAt = done.addingTimeInterval(self.configuration.processingTime.timeInterval)
        guard now >= endsAt else { return PublishView(status: processing, postIDs: []) }
        let outcome = post.outcome ?? self.decideOutcome(post, endedAt: endsAt)
        if post.outcome == nil {
            post.outcome = outcome
            self.posts[publishID] = post
            self.dirty = true
        }
        let moderated = now >= outcome.endedAt.addingTimeInterval(self.configuration.moderationTime.timeInterval)
        return PublishView(status: outcome.status, failReason: outcome.failReason, postIDs: moderated ? outcome.postIDs : [])
    }

    // MARK: Helpers

    /// Levels creator_info offers: an unaudited client only ever gets `SELF_ONLY` (reference §3.2).
    func offeredLevels(_ creator: Creator) -> [String] {
        self.configuration.unaudited ? [PrivacyLevel.selfOnly] : creator.privacyLevelOptions
    }

    private func ownedPost(caller: Caller, publishID: String) throws(PostingError) -> PostRecord {
        guard let post = self.posts[publishID] else { throw .invalidPublishID }
        guard post.openID == caller.openID, post.clientKey == caller.clientKey else { throw .notOwner }
        return post
    }

    private func decideOutcome(_ post: PostRecord, endedAt: Date) -> PostRecord.Outcome {
        let reason = self.injectedFailReason(openID: post.openID) ?? (MediaSniffer.isVideo(post.head) ? nil : FailReason.fileFormatCheckFailed)
        if let reason { return .init(status: PublishStatus.failed, failReason: reason, endedAt: endedAt, postIDs: []) }
        if post.mode == .inbox { return .init(status: PublishStatus.sendToUserInbox, endedAt: endedAt, postIDs: []) }
        let ids = post.privacyLevel == PrivacyLevel.publicToEveryone ? [Identifiers.postID()] : []
        return .init(status: PublishStatus.publishComplete, endedAt: endedAt, postIDs: ids)
    }

    /// Accepted inits of `mode` for `openID` in the rolling window (failed and abandoned ones count too: UNCONFIRMED
    /// in TikTok's docs, so the sandbox assumes the stricter reading).
    private func recentPosts(of openID: String, mode: PostRecord.Mode, now: Date) -> Int {
        let since = now.addingTimeInterval(-self.configuration.postCapWindow.timeInterval)
        return self.posts.values.count { $0.openID == openID && $0.mode == mode && $0.createdAt > since }
    }

    private func activeUserCapReached(excluding openID: String, now: Date) -> Bool {
        let since = now.addingTimeInterval(-self.configuration.postCapWindow.timeInterval)
        let active = Set(self.posts.values.filter { $0.mode == .direct && $0.createdAt > since }.map(\.openID))
        return !active.contains(openID) && active.count >= self.configuration.unauditedActiveUserCap
    }

    private func insertPost(caller: Caller, request: InitRequest, mode: PostRecord.Mode, now: Date) -> CreatedPost {
        let source: PostRecord.Source
        switch request.source {
        case .file: source = .fileUpload
        case .pull: source = .pullFromURL
        }
        var publishID = Identifiers.publishID(mode: mode, source: source)
        while self.posts[publishID] != nil { publishID = Identifiers.publishID(mode: mode, source: source) }
        var post = PostRecord(
            publishID: publishID, openID: caller.openID, clientKey: caller.clientKey, mode: mode, source: source,
            privacyLevel: request.postInfo?.privacyLevel, title: request.postInfo?.title, createdAt: now)
        var upload: (id: String, token: String)?
        switch request.source {
        case .file(let size, let chunkSize, let count):
            (post.videoSize, post.chunkSize, post.totalChunkCount) = (size, chunkSize, count)
            let session = UploadSession(
                publishID: publishID, token: Identifiers.token(40),
                expiresAt: now.addingTimeInterval(self.configuration.uploadURLLifetime.timeInterval), hasher: SHA256(), busy: false)
            let id = Identifiers.token(24)
            self.uploads[id] = session
            upload = (id, session.token)
        case .pull(let url):
            post.videoURL = url
        }
        self.posts[publishID] = post
        self.dirty = true
        return CreatedPost(post: post, upload: upload)
    }
}
