/// `data` of creator_info/query (reference §2.3).
struct CreatorInfoData: Encodable {
    var creatorAvatarURL: String
    var creatorUsername: String
    var creatorNickname: String
    var privacyLevelOptions: [String]
    var commentDisabled: Bool
    var duetDisabled: Bool
    var stitchDisabled: Bool
    var maxVideoPostDurationSec: Int32

    enum CodingKeys: String, CodingKey {
        case creatorAvatarURL = "creator_avatar_url", creatorUsername = "creator_username", creatorNickname = "creator_nickname"
        case privacyLevelOptions = "privacy_level_options", commentDisabled = "comment_disabled", duetDisabled = "duet_disabled"
        case stitchDisabled = "stitch_disabled", maxVideoPostDurationSec = "max_video_post_duration_sec"
    }

    /// Duet and stitch read as disabled for private accounts (reference §2.3).
    init(_ answer: CreatorInfoAnswer) {
        let creator = answer.creator
        self.creatorAvatarURL = creator.avatarURL
        self.creatorUsername = creator.username
        self.creatorNickname = creator.nickname
        self.privacyLevelOptions = answer.privacyLevelOptions
        self.commentDisabled = creator.commentDisabled
        self.duetDisabled = creator.duetDisabled || creator.isPrivate
        self.stitchDisabled = creator.stitchDisabled || creator.isPrivate
        self.maxVideoPostDurationSec = Int32(clamping: creator.maxVideoPostDurationSec)
    }
}

/// `data` of video/init and inbox/video/init (reference §2.4, §2.7).
struct InitData: Encodable {
    var publishID: String
    var uploadURL: String?

    enum CodingKeys: String, CodingKey { case publishID = "publish_id", uploadURL = "upload_url" }
}

/// `data` of status/fetch (reference §2.9). `publicaly_available_post_id` (TikTok's spelling) is always present,
/// empty until moderation released ids; `fail_reason` only when `FAILED`; `uploaded_bytes` for FILE_UPLOAD,
/// `downloaded_bytes` for PULL_FROM_URL.
struct StatusData: Encodable {
    var status: String
    var failReason: String?
    var postIDs: [Int64]
    var uploadedBytes: Int64?
    var downloadedBytes: Int64?

    enum CodingKeys: String, CodingKey {
        case status, failReason = "fail_reason", postIDs = "publicaly_available_post_id", uploadedBytes = "uploaded_bytes"
        case downloadedBytes = "downloaded_bytes"
    }

    init(post: PostRecord, view: PublishView) {
        self.status = view.status
        self.failReason = view.failReason
        self.postIDs = view.postIDs
        self.uploadedBytes = post.source == .fileUpload ? post.bytesReceived : nil
        self.downloadedBytes = post.source == .pullFromURL ? post.bytesReceived : nil
    }
}
