import Foundation

/// One publish as `GET /_sandbox/posts` shows it.
struct PostSummary: Encodable, Sendable {
    var openID: String
    var publishID: String
    var mode: String
    var source: String
    var status: String
    var failReason: String?
    var bytesReceived: Int64
    var videoSize: Int64?
    var sha256: String?
    var privacyLevel: String?
    var caption: String?
    var videoURL: String?
    var postIDs: [Int64]
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case openID = "open_id", publishID = "publish_id", mode, source, status, failReason = "fail_reason"
        case bytesReceived = "bytes_received", videoSize = "video_size", sha256, privacyLevel = "privacy_level", caption
        case videoURL = "video_url", postIDs = "publicaly_available_post_id", createdAt = "created_at"
    }
}

extension SandboxState {
    /// Every publish (of `openID`, when given), oldest first, with its status now.
    func postSummaries(openID: String?, now: Date) -> [PostSummary] {
        let chosen = self.posts.values.filter { openID == nil || $0.openID == openID }
            .sorted { ($0.createdAt, $0.publishID) < ($1.createdAt, $1.publishID) }
        return chosen.map { post in
            let view = self.view(publishID: post.publishID, now: now)
            return PostSummary(
                openID: post.openID, publishID: post.publishID, mode: post.mode.rawValue, source: post.source.rawValue, status: view.status,
                failReason: view.failReason, bytesReceived: post.bytesReceived, videoSize: post.videoSize, sha256: post.sha256,
                privacyLevel: post.privacyLevel, caption: post.title, videoURL: post.videoURL, postIDs: view.postIDs, createdAt: post.createdAt)
        }
    }
}
