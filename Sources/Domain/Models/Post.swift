public import Foundation

/// One publish of one video to one account: a row of `posts`. Its ``id`` is also its job id in the job queue.
public struct Post: Sendable, Hashable, Identifiable {
    /// How the video reaches TikTok (same raw values as a campaign's mode).
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Published to the profile (`video.publish` scope).
        case directPost = "direct_post"
        /// A draft in the creator's inbox (`video.upload` scope).
        case inbox
    }

    /// The post's id (and job id).
    public var id: UUID
    /// The campaign that planned it, if any.
    public var campaignID: UUID?
    /// The account that posts.
    public var accountID: UUID
    /// The video.
    public var mediaID: UUID
    /// The job queue it runs on (`publish` by default).
    public var queue: String
    /// Where it is in its life.
    public var status: PostStatus
    /// Direct post or inbox draft.
    public var mode: Mode
    /// When it should run.
    public var runAt: Date
    /// The caption, at most 2,200 characters.
    public var caption: String
    /// TikTok `post_info` choices (privacy level, interaction flags, …) as JSON.
    public var postSettings: [String: JSONValue]
    /// The consent the user gave for the post, if recorded.
    public var consent: [String: JSONValue]?
    /// Attempts made so far.
    public var attempts: Int
    /// Attempts allowed, 1...100.
    public var maxAttempts: Int
    /// TikTok's publish id, once the publish started.
    public var publishID: String?
    /// TikTok's ids of the published post.
    public var tiktokPostIDs: [String]
    /// The last error's stable code (always set when ``status`` is `failed`).
    public var errorCode: String?
    /// The last error's message.
    public var errorMessage: String?
    /// The caller's key making creation idempotent.
    public var idempotencyKey: String
    /// When the row was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When the first attempt started.
    public var startedAt: Date?
    /// When it reached a terminal status (set exactly then).
    public var finishedAt: Date?

    /// A post with every field given.
    public init(
        id: UUID, campaignID: UUID?, accountID: UUID, mediaID: UUID, queue: String, status: PostStatus, mode: Mode, runAt: Date,
        caption: String, postSettings: [String: JSONValue], consent: [String: JSONValue]?, attempts: Int, maxAttempts: Int,
        publishID: String?, tiktokPostIDs: [String], errorCode: String?, errorMessage: String?, idempotencyKey: String,
        createdAt: Date, updatedAt: Date, startedAt: Date?, finishedAt: Date?
    ) {
        self.id = id
        self.campaignID = campaignID
        self.accountID = accountID
        self.mediaID = mediaID
        self.queue = queue
        self.status = status
        self.mode = mode
        self.runAt = runAt
        self.caption = caption
        self.postSettings = postSettings
        self.consent = consent
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.publishID = publishID
        self.tiktokPostIDs = tiktokPostIDs
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A post with its event history, oldest event first.
public struct PostDetail: Sendable, Hashable {
    /// The post.
    public var post: Post
    /// Every recorded state change, in order.
    public var events: [PostEvent]

    /// A post and its events.
    public init(post: Post, events: [PostEvent]) {
        self.post = post
        self.events = events
    }
}
