public import Foundation

/// A campaign: what to post (media in order, a caption template, post settings), to whom (an account selection) and
/// when (a schedule). Created as a ``Status/draft``; ``CampaignStarter`` turns it into post rows.
public struct Campaign: Sendable, Hashable, Identifiable {
    /// Where a campaign is in its life.
    ///
    /// `draft` → (start) → `scheduled` (first post more than a minute away) or `running`; `scheduled`/`running` ⇄
    /// `paused`; every state but `completed` → `cancelled`. `running` → `completed` is the result recorder's business.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Editable; has no posts yet.
        case draft
        /// Started; its first post is due later.
        case scheduled
        /// Started; posts are due or publishing.
        case running
        /// Held by a user; resumable.
        case paused
        /// Every post reached a final state.
        case completed
        /// Stopped by a user; its unstarted posts were cancelled.
        case cancelled

        /// Whether no further transition is possible (`completed`, `cancelled`).
        public var isTerminal: Bool { self == .completed || self == .cancelled }
    }

    /// How each post reaches TikTok.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Published to the profile (`video.publish` scope).
        case directPost = "direct_post"
        /// Sent to the creator's inbox as a draft to finish in the app (`video.upload` scope).
        case inbox
    }

    /// How posts are ordered over the accounts and spread over time (see ``CampaignPlan`` for the exact rules).
    public enum Strategy: String, Sendable, Hashable, Codable, CaseIterable {
        /// Accounts in selection order; the media rotate so that accounts post different videos in the same round.
        case roundRobin = "round_robin"
        /// Like round robin, with the accounts that posted least in the last 24 hours first.
        case leastUsed = "least_used"
        /// Accounts in random order, each with its media in a random order.
        case random
    }

    /// What a start does with posts that would take an account over its daily cap or TikTok's inbox limit (see
    /// ``CampaignBudget`` for the exact rules).
    public enum OverBudget: String, Sendable, Hashable, Codable, CaseIterable {
        /// Refuse the start (and the create, when it is obvious then), naming the accounts and days.
        case reject
        /// Move each post that does not fit to the following day(s), at the same wall time.
        case spread
    }

    /// The campaign's id.
    public var id: UUID
    /// A name for people, 1…200 characters.
    public var name: String
    /// Where the campaign is in its life.
    public var status: Status
    /// Direct post or inbox draft.
    public var mode: Mode
    /// The choices applied to every post.
    public var postSettings: PostSettings
    /// The caption template (see ``CaptionTemplate``), as written.
    public var captionTemplate: String
    /// The media to post, in order.
    public var mediaIDs: [UUID]
    /// Which accounts post.
    public var accountSelection: AccountSelection
    /// Ordering and spreading of the posts.
    public var strategy: Strategy
    /// When the posts run.
    public var schedule: CampaignSchedule
    /// What a start does with posts over an account's budget.
    public var overBudget: OverBudget
    /// The key given at creation, if any.
    public var idempotencyKey: String?
    /// When the campaign was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// A campaign with every field given.
    public init(
        id: UUID, name: String, status: Status, mode: Mode, postSettings: PostSettings, captionTemplate: String, mediaIDs: [UUID],
        accountSelection: AccountSelection, strategy: Strategy, schedule: CampaignSchedule, overBudget: OverBudget = .reject,
        idempotencyKey: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.mode = mode
        self.postSettings = postSettings
        self.captionTemplate = captionTemplate
        self.mediaIDs = mediaIDs
        self.accountSelection = accountSelection
        self.strategy = strategy
        self.schedule = schedule
        self.overBudget = overBudget
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The content of the campaign as a draft (what a create request carried).
    public var draft: CampaignDraft {
        CampaignDraft(
            name: self.name, mode: self.mode, postSettings: self.postSettings, captionTemplate: self.captionTemplate,
            mediaIDs: self.mediaIDs, accountSelection: self.accountSelection, strategy: self.strategy, schedule: self.schedule,
            overBudget: self.overBudget)
    }
}
