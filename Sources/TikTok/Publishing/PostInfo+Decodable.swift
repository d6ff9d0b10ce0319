/// Decoding, so a post's choices can travel in a job payload; the same keys as TikTok's `post_info`. Flags that are
/// missing decode as off, like a new ``PostInfo``.
extension PostInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            privacyLevel: try container.decode(PrivacyLevel.self, forKey: .privacyLevel),
            title: try container.decodeIfPresent(String.self, forKey: .title))
        self.disableDuet = try container.decodeIfPresent(Bool.self, forKey: .disableDuet) ?? false
        self.disableStitch = try container.decodeIfPresent(Bool.self, forKey: .disableStitch) ?? false
        self.disableComment = try container.decodeIfPresent(Bool.self, forKey: .disableComment) ?? false
        self.videoCoverTimestampMs = try container.decodeIfPresent(Int32.self, forKey: .videoCoverTimestampMs)
        self.brandContentToggle = try container.decodeIfPresent(Bool.self, forKey: .brandContentToggle) ?? false
        self.brandOrganicToggle = try container.decodeIfPresent(Bool.self, forKey: .brandOrganicToggle) ?? false
        self.isAIGC = try container.decodeIfPresent(Bool.self, forKey: .isAIGC) ?? false
    }
}
