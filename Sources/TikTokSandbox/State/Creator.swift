import Foundation

/// A TikTok account the sandbox plays: what `creator_info/query` reports for it, and its own post cap.
struct Creator: Codable, Sendable, Equatable {
    var openID: String
    var nickname: String
    var username: String
    var avatarURL: String
    var privacyLevelOptions: [String]
    var maxVideoPostDurationSec: Int
    var dailyPostCap: Int
    var commentDisabled: Bool
    var duetDisabled: Bool
    var stitchDisabled: Bool
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case openID = "open_id", nickname, username, avatarURL = "avatar_url"
        case privacyLevelOptions = "privacy_level_options", maxVideoPostDurationSec = "max_video_post_duration_sec"
        case dailyPostCap = "daily_post_cap", commentDisabled = "comment_disabled", duetDisabled = "duet_disabled"
        case stitchDisabled = "stitch_disabled", createdAt = "created_at"
    }

    /// A private account offers `FOLLOWER_OF_CREATOR` instead of `PUBLIC_TO_EVERYONE` (reference §2.3).
    var isPrivate: Bool { !self.privacyLevelOptions.contains(PrivacyLevel.publicToEveryone) }
}

/// The privacy levels of reference §2.3/§2.4.
enum PrivacyLevel {
    static let publicToEveryone = "PUBLIC_TO_EVERYONE"
    static let mutualFollowFriends = "MUTUAL_FOLLOW_FRIENDS"
    static let followerOfCreator = "FOLLOWER_OF_CREATOR"
    static let selfOnly = "SELF_ONLY"
    static let all = [publicToEveryone, mutualFollowFriends, followerOfCreator, selfOnly]
    static let publicAccount = [publicToEveryone, mutualFollowFriends, selfOnly]
}
