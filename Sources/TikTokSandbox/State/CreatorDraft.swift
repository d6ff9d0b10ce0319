import Foundation

/// The body of `POST /_sandbox/creators`; every field is optional and has a default.
struct CreatorDraft: Decodable, Sendable {
    var nickname: String?
    var username: String?
    var privacyLevelOptions: [String]?
    var maxVideoPostDurationSec: Int?
    var dailyPostCap: Int?
    var commentDisabled: Bool?
    var duetDisabled: Bool?
    var stitchDisabled: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nickname, username, privacyLevelOptions = "privacy_level_options", maxVideoPostDurationSec = "max_video_post_duration_sec"
        case dailyPostCap = "daily_post_cap", commentDisabled = "comment_disabled", duetDisabled = "duet_disabled"
        case stitchDisabled = "stitch_disabled"
    }

    init() {}

    /// Checks the values; the error names the field.
    func validate() throws(InspectionError) {
        for (field, text) in [("nickname", self.nickname), ("username", self.username)] {
            if let text, text.isEmpty || text.count > 64 {
                throw .invalidBody("\(field) must have 1 to 64 characters", field: field)
            }
        }
        if let options = self.privacyLevelOptions {
            guard !options.isEmpty, Set(options).count == options.count, options.allSatisfy(PrivacyLevel.all.contains) else {
                throw .invalidBody(
                    "privacy_level_options must be a non-empty list of distinct values from \(PrivacyLevel.all.joined(separator: ", "))",
                    field: "privacy_level_options")
            }
            guard !(options.contains(PrivacyLevel.publicToEveryone) && options.contains(PrivacyLevel.followerOfCreator)) else {
                throw .invalidBody(
                    "an account is public (PUBLIC_TO_EVERYONE) or private (FOLLOWER_OF_CREATOR), not both", field: "privacy_level_options")
            }
        }
        if let seconds = self.maxVideoPostDurationSec, !(1...600).contains(seconds) {
            throw .invalidBody("max_video_post_duration_sec must be from 1 to 600 (the API accepts at most 10 minutes)", field: "max_video_post_duration_sec")
        }
        if let cap = self.dailyPostCap, !(0...10_000).contains(cap) {
            throw .invalidBody("daily_post_cap must be from 0 to 10000", field: "daily_post_cap")
        }
    }

    /// The creator these values describe, with a fresh `open_id`.
    func creator(defaultCap: Int, now: Date) -> Creator {
        let suffix = Identifiers.token(6).lowercased()
        let openID = Identifiers.openID()
        return Creator(
            openID: openID, nickname: self.nickname ?? "Sandbox Creator \(suffix)", username: self.username ?? "sandbox_\(suffix)",
            avatarURL: "https://sandbox.invalid/avatar/\(openID).jpeg",
            privacyLevelOptions: self.privacyLevelOptions ?? PrivacyLevel.publicAccount,
            maxVideoPostDurationSec: self.maxVideoPostDurationSec ?? 300, dailyPostCap: self.dailyPostCap ?? defaultCap,
            commentDisabled: self.commentDisabled ?? false, duetDisabled: self.duetDisabled ?? false,
            stitchDisabled: self.stitchDisabled ?? false, createdAt: now)
    }
}
