/// Who may see a post (`privacy_level`). An open set: values TikTok adds later still decode.
public struct PrivacyLevel: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The value as TikTok spells it.
    public let rawValue: String
    /// A level spelled `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Everyone (public accounts only).
    public static let publicToEveryone = PrivacyLevel(rawValue: "PUBLIC_TO_EVERYONE")
    /// Mutual followers.
    public static let mutualFollowFriends = PrivacyLevel(rawValue: "MUTUAL_FOLLOW_FRIENDS")
    /// Followers (private accounts).
    public static let followerOfCreator = PrivacyLevel(rawValue: "FOLLOWER_OF_CREATOR")
    /// Only the creator (the only level an unaudited client may use).
    public static let selfOnly = PrivacyLevel(rawValue: "SELF_ONLY")

    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
    public var description: String { self.rawValue }
}
