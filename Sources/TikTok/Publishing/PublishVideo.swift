public import JobQueue

/// The job that publishes one video to one TikTok account (one post row). Workers have no database, so the payload
/// carries everything the publish needs: the account, the file (relative to the media root), and the creator's stored
/// choices, which the worker re-checks against fresh creator info and never changes.
public struct PublishVideo: JobPayload, Hashable {
    public static let jobName = "reelay.publish.video"

    /// Direct post to the profile (`video.publish`) or a draft in the creator's inbox (`video.upload`).
    public enum Mode: String, Codable, Sendable, Hashable {
        case direct, inbox
    }

    /// The account (its UUID); its access token is read from the workers' token cache.
    public var accountID: String
    /// The video file, relative to the media root (an absolute path or `..` is refused).
    public var mediaPath: String
    /// The file's size in bytes, as probed at ingest; the file must still have it.
    public var videoSize: Int64
    /// The container's MIME type.
    public var contentType: String
    /// The video's duration, checked against the creator's `max_video_post_duration_sec`.
    public var durationSeconds: Int?
    /// Direct post or inbox draft.
    public var mode: Mode
    /// The creator's choices for a direct post (ignored for inbox drafts).
    public var postInfo: PostInfo?
    /// The account's own daily post cap (TikTok's is about 15 per 24 h per creator).
    public var dailyCap: Int
    /// The account's time zone, for its daily cap.
    public var timeZone: String
    /// A signed, expiring URL of the API serving the file (`/media-files/{id}?expires=&signature=`), for a worker whose
    /// media root lacks `mediaPath`: it downloads the file into its bounded cache and checks `mediaSHA256`.
    public var mediaURL: String?
    /// The file's SHA-256 (hex): a downloaded copy must match it.
    public var mediaSHA256: String?
    /// The W3C `traceparent` of the API request that created the post: the worker's spans join that trace.
    public var traceParent: String?

    /// A publish of `mediaPath` to `accountID`.
    public init(
        accountID: String, mediaPath: String, videoSize: Int64, contentType: String = "video/mp4", durationSeconds: Int? = nil,
        mode: Mode = .direct, postInfo: PostInfo?, dailyCap: Int = 15, timeZone: String = "UTC", mediaURL: String? = nil,
        mediaSHA256: String? = nil, traceParent: String? = nil
    ) {
        self.accountID = accountID
        self.mediaPath = mediaPath
        self.videoSize = videoSize
        self.contentType = contentType
        self.durationSeconds = durationSeconds
        self.mode = mode
        self.postInfo = postInfo
        self.dailyCap = dailyCap
        self.timeZone = timeZone
        self.mediaURL = mediaURL
        self.mediaSHA256 = mediaSHA256
        self.traceParent = traceParent
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id", mediaPath = "media_path", videoSize = "video_size", contentType = "content_type"
        case durationSeconds = "duration_seconds", mode, postInfo = "post_info", dailyCap = "daily_cap", timeZone = "time_zone"
        case mediaURL = "media_url", mediaSHA256 = "media_sha256", traceParent = "trace_parent"
    }
}
