/// The creator's choices for a Direct Post (`post_info`, reference §2.4). Every `disable_*` and `brand_*` flag is always
/// sent, so behaviour never depends on TikTok's defaults; the worker must take them from the stored user choices.
public struct PostInfo: Sendable, Hashable, Encodable {
    /// Who may see the post; must be one of the creator's `privacy_level_options`.
    public var privacyLevel: PrivacyLevel
    /// The caption (hashtags and mentions recognised), at most 2200 UTF-16 code units; nil = no caption.
    public var title: String?
    /// Turn Duet off.
    public var disableDuet = false
    /// Turn Stitch off.
    public var disableStitch = false
    /// Turn comments off.
    public var disableComment = false
    /// The frame (ms) used as cover; nil = TikTok's default (first frame).
    public var videoCoverTimestampMs: Int32?
    /// Paid partnership promoting a third party.
    public var brandContentToggle = false
    /// Promoting the creator's own business.
    public var brandOrganicToggle = false
    /// AI-generated content label.
    public var isAIGC = false

    /// Longest caption TikTok accepts, in UTF-16 code units.
    public static let maximumTitleLength = 2200

    /// Choices with the given privacy level and caption; every flag starts off.
    public init(privacyLevel: PrivacyLevel, title: String? = nil) {
        self.privacyLevel = privacyLevel
        self.title = title
    }

    enum CodingKeys: String, CodingKey {
        case privacyLevel = "privacy_level", title, disableDuet = "disable_duet", disableStitch = "disable_stitch"
        case disableComment = "disable_comment", videoCoverTimestampMs = "video_cover_timestamp_ms"
        case brandContentToggle = "brand_content_toggle", brandOrganicToggle = "brand_organic_toggle", isAIGC = "is_aigc"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.privacyLevel, forKey: .privacyLevel)
        try container.encodeIfPresent(self.title, forKey: .title)
        try container.encode(self.disableDuet, forKey: .disableDuet)
        try container.encode(self.disableStitch, forKey: .disableStitch)
        try container.encode(self.disableComment, forKey: .disableComment)
        try container.encodeIfPresent(self.videoCoverTimestampMs, forKey: .videoCoverTimestampMs)
        try container.encode(self.brandContentToggle, forKey: .brandContentToggle)
        try container.encode(self.brandOrganicToggle, forKey: .brandOrganicToggle)
        try container.encode(self.isAIGC, forKey: .isAIGC)
    }
}
