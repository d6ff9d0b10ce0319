public import Foundation

/// One post row a campaign start inserted, with everything needed to build its publish job (the caller builds it: the
/// job id is ``id``; Domain does not know the TikTok payload type).
public struct PlannedPost: Sendable, Hashable, Identifiable {
    /// The post's id, which is also its job id.
    public var id: UUID
    /// The 1-based position in the campaign's plan (`{index}` of its caption).
    public var index: Int
    /// The account that posts.
    public var accountID: UUID
    /// The video.
    public var mediaID: UUID
    /// The video's path, relative to the media root.
    public var mediaPath: String
    /// The file's size in bytes.
    public var sizeBytes: Int64
    /// The file's MIME type.
    public var contentType: String
    /// The probed duration (`media.probe.duration_seconds`), when known.
    public var durationSeconds: Double?
    /// Direct post or inbox draft.
    public var mode: Campaign.Mode
    /// The creator's choices.
    public var postSettings: PostSettings
    /// The rendered caption.
    public var caption: String
    /// When the post should run.
    public var runAt: Date
    /// `queued` (due within a minute: enqueue now) or `scheduled` (later: the scheduler loads it when it is near).
    public var status: PostStatus
    /// Attempts allowed.
    public var maxAttempts: Int
    /// The job queue (`posts.queue`).
    public var queue: String
    /// The account's daily post cap.
    public var dailyCap: Int
    /// The account's IANA time zone (for its daily cap).
    public var timeZone: String
    /// `campaign:<campaign id>:<media position>:<account id>`: unique, so a post cannot be planned twice.
    public var idempotencyKey: String
    /// The W3C `traceparent` of the request that created the post (``PostTrace``), carried into its job.
    public var traceParent: String?

    /// A planned post with every field given.
    public init(
        id: UUID, index: Int, accountID: UUID, mediaID: UUID, mediaPath: String, sizeBytes: Int64, contentType: String, durationSeconds: Double?,
        mode: Campaign.Mode, postSettings: PostSettings, caption: String, runAt: Date, status: PostStatus, maxAttempts: Int, queue: String,
        dailyCap: Int, timeZone: String, idempotencyKey: String
    ) {
        self.id = id
        self.index = index
        self.accountID = accountID
        self.mediaID = mediaID
        self.mediaPath = mediaPath
        self.sizeBytes = sizeBytes
        self.contentType = contentType
        self.durationSeconds = durationSeconds
        self.mode = mode
        self.postSettings = postSettings
        self.caption = caption
        self.runAt = runAt
        self.status = status
        self.maxAttempts = maxAttempts
        self.queue = queue
        self.dailyCap = dailyCap
        self.timeZone = timeZone
        self.idempotencyKey = idempotencyKey
    }
}

/// An account a campaign start left out, and why.
public struct SkippedAccount: Sendable, Hashable {
    /// The account.
    public var accountID: UUID
    /// Why, e.g. `account is disabled`, `account does not exist`.
    public var reason: String

    /// A skipped account.
    public init(accountID: UUID, reason: String) {
        self.accountID = accountID
        self.reason = reason
    }
}

/// What starting a campaign did: the campaign (now `running` or `scheduled`), the posts inserted — in plan order —
/// and the accounts left out.
public struct CampaignStartResult: Sendable, Hashable {
    /// The started campaign.
    public var campaign: Campaign
    /// The posts inserted, in plan order.
    public var posts: [PlannedPost]
    /// Selected accounts that got no posts.
    public var skippedAccounts: [SkippedAccount]

    /// A start outcome.
    public init(campaign: Campaign, posts: [PlannedPost], skippedAccounts: [SkippedAccount]) {
        self.campaign = campaign
        self.posts = posts
        self.skippedAccounts = skippedAccounts
    }
}
