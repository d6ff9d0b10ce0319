/// What `creator_info/query` says about the account (reference §2.3): who it is and what it may post now.
public struct CreatorInfo: Sendable, Hashable, Decodable {
    /// Avatar URL (valid 2 hours).
    public var avatarURL: String?
    /// The unique handle.
    public var username: String
    /// The display name, shown on the posting screen.
    public var nickname: String
    /// The privacy levels this creator may choose, in TikTok's order.
    public var privacyLevelOptions: [PrivacyLevel]
    /// Comments are set to "No one".
    public var commentDisabled: Bool
    /// Duet is off (or the account is private).
    public var duetDisabled: Bool
    /// Stitch is off (or the account is private).
    public var stitchDisabled: Bool
    /// The longest video this creator may post, in seconds.
    public var maxVideoPostDurationSeconds: Int

    enum CodingKeys: String, CodingKey {
        case avatarURL = "creator_avatar_url", username = "creator_username", nickname = "creator_nickname"
        case privacyLevelOptions = "privacy_level_options", commentDisabled = "comment_disabled"
        case duetDisabled = "duet_disabled", stitchDisabled = "stitch_disabled"
        case maxVideoPostDurationSeconds = "max_video_post_duration_sec"
    }

    /// Decodes the `data` object. `privacy_level_options` and `max_video_post_duration_sec` are required; a missing
    /// `*_disabled` flag counts as disabled (JUDGMENT: never enable an interaction TikTok did not say is allowed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.avatarURL = try container.decodeIfPresent(String.self, forKey: .avatarURL)
        self.username = try container.decodeIfPresent(String.self, forKey: .username) ?? ""
        self.nickname = try container.decodeIfPresent(String.self, forKey: .nickname) ?? ""
        self.privacyLevelOptions = try container.decode([PrivacyLevel].self, forKey: .privacyLevelOptions)
        self.commentDisabled = try container.decodeIfPresent(Bool.self, forKey: .commentDisabled) ?? true
        self.duetDisabled = try container.decodeIfPresent(Bool.self, forKey: .duetDisabled) ?? true
        self.stitchDisabled = try container.decodeIfPresent(Bool.self, forKey: .stitchDisabled) ?? true
        self.maxVideoPostDurationSeconds = try container.decode(Int.self, forKey: .maxVideoPostDurationSeconds)
    }
}
