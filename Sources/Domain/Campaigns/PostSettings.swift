/// The creator's choices applied to a post, with TikTok's `post_info` keys (snake_case) when encoded. Flags that are
/// missing decode as off.
public struct PostSettings: Sendable, Hashable, Codable {
    /// Who may see the post; must be one the creator offers (checked again by the worker against fresh creator info).
    public enum PrivacyLevel: String, Sendable, Hashable, Codable, CaseIterable {
        /// Everyone.
        case publicToEveryone = "PUBLIC_TO_EVERYONE"
        /// Followers the creator follows back.
        case mutualFollowFriends = "MUTUAL_FOLLOW_FRIENDS"
        /// The creator's followers.
        case followerOfCreator = "FOLLOWER_OF_CREATOR"
        /// The creator only.
        case selfOnly = "SELF_ONLY"
    }

    /// Who may see the post.
    public var privacyLevel: PrivacyLevel
    /// Turn comments off.
    public var disableComment: Bool
    /// Turn Duet off.
    public var disableDuet: Bool
    /// Turn Stitch off.
    public var disableStitch: Bool
    /// Paid partnership promoting a third party (TikTok refuses it with `SELF_ONLY`).
    public var brandContentToggle: Bool
    /// Promoting the creator's own business.
    public var brandOrganicToggle: Bool
    /// AI-generated content label.
    public var isAIGC: Bool
    /// The frame (milliseconds, ≥ 0) used as cover; `nil` = TikTok's default.
    public var videoCoverTimestampMs: Int?

    /// Settings with the given privacy level; every flag off unless given.
    public init(
        privacyLevel: PrivacyLevel, disableComment: Bool = false, disableDuet: Bool = false, disableStitch: Bool = false,
        brandContentToggle: Bool = false, brandOrganicToggle: Bool = false, isAIGC: Bool = false, videoCoverTimestampMs: Int? = nil
    ) {
        self.privacyLevel = privacyLevel
        self.disableComment = disableComment
        self.disableDuet = disableDuet
        self.disableStitch = disableStitch
        self.brandContentToggle = brandContentToggle
        self.brandOrganicToggle = brandOrganicToggle
        self.isAIGC = isAIGC
        self.videoCoverTimestampMs = videoCoverTimestampMs
    }

    enum CodingKeys: String, CodingKey {
        case privacyLevel = "privacy_level", disableComment = "disable_comment", disableDuet = "disable_duet"
        case disableStitch = "disable_stitch", brandContentToggle = "brand_content_toggle", brandOrganicToggle = "brand_organic_toggle"
        case isAIGC = "is_aigc", videoCoverTimestampMs = "video_cover_timestamp_ms"
    }

    /// Decodes `post_info`-style JSON; a missing flag is off, a missing cover timestamp is `nil`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.privacyLevel = try container.decode(PrivacyLevel.self, forKey: .privacyLevel)
        self.disableComment = try container.decodeIfPresent(Bool.self, forKey: .disableComment) ?? false
        self.disableDuet = try container.decodeIfPresent(Bool.self, forKey: .disableDuet) ?? false
        self.disableStitch = try container.decodeIfPresent(Bool.self, forKey: .disableStitch) ?? false
        self.brandContentToggle = try container.decodeIfPresent(Bool.self, forKey: .brandContentToggle) ?? false
        self.brandOrganicToggle = try container.decodeIfPresent(Bool.self, forKey: .brandOrganicToggle) ?? false
        self.isAIGC = try container.decodeIfPresent(Bool.self, forKey: .isAIGC) ?? false
        self.videoCoverTimestampMs = try container.decodeIfPresent(Int.self, forKey: .videoCoverTimestampMs)
    }

    /// Every problem with the settings, fields prefixed `post_settings.`.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        if let cover = self.videoCoverTimestampMs, !(0...Int(Int32.max)).contains(cover) {
            problems.append(FieldProblem(field: "post_settings.video_cover_timestamp_ms", problem: "must be between 0 and \(Int32.max)"))
        }
        if self.brandContentToggle, self.privacyLevel == .selfOnly {
            problems.append(
                FieldProblem(field: "post_settings.brand_content_toggle", problem: "branded content cannot be posted with privacy_level SELF_ONLY"))
        }
        return problems
    }
}
