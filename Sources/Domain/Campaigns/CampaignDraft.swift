public import Foundation

/// What a create request carries: everything about a campaign but its id, status and times. ``problems`` lists what is
/// wrong without looking at the database; ``CampaignRepository`` adds what needs it (missing media, unknown or disabled
/// accounts, a caption that cannot fit) and reports every problem in one ``DomainError``.
public struct CampaignDraft: Sendable, Hashable {
    /// Most media one campaign may post.
    public static let maximumMedia = 500
    /// Longest name, in characters.
    public static let maximumNameLength = 200

    /// 1…200 characters, not blank.
    public var name: String
    /// Direct post or inbox draft.
    public var mode: Campaign.Mode
    /// The choices applied to every post.
    public var postSettings: PostSettings
    /// See ``CaptionTemplate``; may be empty.
    public var captionTemplate: String
    /// 1…500 distinct existing media, in posting order.
    public var mediaIDs: [UUID]
    /// Which accounts post.
    public var accountSelection: AccountSelection
    /// Ordering and spreading of the posts.
    public var strategy: Campaign.Strategy
    /// When the posts run.
    public var schedule: CampaignSchedule
    /// What a start does with posts over an account's budget (default `reject`).
    public var overBudget: Campaign.OverBudget

    /// A draft; checked by ``problems`` and by ``CampaignRepository/create(_:idempotencyKey:)``.
    public init(
        name: String, mode: Campaign.Mode = .directPost, postSettings: PostSettings, captionTemplate: String = "", mediaIDs: [UUID],
        accountSelection: AccountSelection, strategy: Campaign.Strategy = .roundRobin, schedule: CampaignSchedule = .now,
        overBudget: Campaign.OverBudget = .reject
    ) {
        self.name = name
        self.mode = mode
        self.postSettings = postSettings
        self.captionTemplate = captionTemplate
        self.mediaIDs = mediaIDs
        self.accountSelection = accountSelection
        self.strategy = strategy
        self.schedule = schedule
        self.overBudget = overBudget
    }

    /// Every problem that needs no database, with the caller's (snake_case) field names.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        let nameLength = self.name.unicodeScalars.count
        if self.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || nameLength > Self.maximumNameLength {
            problems.append(FieldProblem(field: "name", problem: "must be 1 to \(Self.maximumNameLength) characters, not blank"))
        }
        if self.mediaIDs.isEmpty || self.mediaIDs.count > Self.maximumMedia {
            problems.append(FieldProblem(field: "media_ids", problem: "must list 1 to \(Self.maximumMedia) media"))
        }
        var seen: Set<UUID> = []
        for (index, id) in self.mediaIDs.enumerated() where !seen.insert(id).inserted {
            problems.append(FieldProblem(field: "media_ids[\(index)]", problem: "repeats media \(id.uuidString.lowercased())"))
        }
        problems += CaptionTemplate.problems(in: self.captionTemplate)
        problems += self.postSettings.problems
        problems += self.accountSelection.problems
        problems += self.schedule.problems
        return problems
    }
}

/// A change to a draft campaign: every `nil` field is left as it is.
public struct CampaignPatch: Sendable, Hashable {
    /// A new name.
    public var name: String?
    /// A new mode.
    public var mode: Campaign.Mode?
    /// New post settings (replacing the old ones whole).
    public var postSettings: PostSettings?
    /// A new caption template.
    public var captionTemplate: String?
    /// A new media list (replacing the old one whole).
    public var mediaIDs: [UUID]?
    /// A new account selection.
    public var accountSelection: AccountSelection?
    /// A new strategy.
    public var strategy: Campaign.Strategy?
    /// A new schedule.
    public var schedule: CampaignSchedule?
    /// A new over-budget choice.
    public var overBudget: Campaign.OverBudget?

    /// A patch; only the given fields change.
    public init(
        name: String? = nil, mode: Campaign.Mode? = nil, postSettings: PostSettings? = nil, captionTemplate: String? = nil,
        mediaIDs: [UUID]? = nil, accountSelection: AccountSelection? = nil, strategy: Campaign.Strategy? = nil, schedule: CampaignSchedule? = nil,
        overBudget: Campaign.OverBudget? = nil
    ) {
        self.name = name
        self.mode = mode
        self.postSettings = postSettings
        self.captionTemplate = captionTemplate
        self.mediaIDs = mediaIDs
        self.accountSelection = accountSelection
        self.strategy = strategy
        self.schedule = schedule
        self.overBudget = overBudget
    }

    /// `draft` with this patch's fields applied.
    public func applied(to draft: CampaignDraft) -> CampaignDraft {
        var result = draft
        if let name = self.name { result.name = name }
        if let mode = self.mode { result.mode = mode }
        if let postSettings = self.postSettings { result.postSettings = postSettings }
        if let captionTemplate = self.captionTemplate { result.captionTemplate = captionTemplate }
        if let mediaIDs = self.mediaIDs { result.mediaIDs = mediaIDs }
        if let accountSelection = self.accountSelection { result.accountSelection = accountSelection }
        if let strategy = self.strategy { result.strategy = strategy }
        if let schedule = self.schedule { result.schedule = schedule }
        if let overBudget = self.overBudget { result.overBudget = overBudget }
        return result
    }
}
