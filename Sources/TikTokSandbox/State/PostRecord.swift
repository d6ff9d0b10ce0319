import Foundation

/// One publish (`publish_id`) as the sandbox tracks it: what init asked for, what bytes arrived, and how it ended.
struct PostRecord: Codable, Sendable {
    enum Mode: String, Codable, Sendable { case direct = "DIRECT_POST", inbox = "INBOX" }
    enum Source: String, Codable, Sendable { case fileUpload = "FILE_UPLOAD", pullFromURL = "PULL_FROM_URL" }

    var publishID: String
    var openID: String
    var clientKey: String
    var mode: Mode
    var source: Source
    var privacyLevel: String?
    var title: String?
    var videoURL: String?
    var videoSize: Int64?
    var chunkSize: Int64?
    var totalChunkCount: Int64?
    var createdAt: Date
    /// Bytes received (upload) or downloaded (pull) so far.
    var bytesReceived: Int64 = 0
    /// Hex SHA-256 of all bytes, once they all arrived.
    var sha256: String?
    /// The first bytes of the file, for the container check.
    var head: Data = Data()
    /// When the last byte arrived; processing starts here.
    var transferCompletedAt: Date?
    /// A failure during the transfer itself (`video_pull_failed`, `publish_cancelled`).
    var transferFailure: String?
    /// Fixed once processing ended: the terminal status.
    var outcome: Outcome?

    /// The terminal state, decided once when processing ends.
    struct Outcome: Codable, Sendable {
        var status: String
        var failReason: String?
        var endedAt: Date
        /// Ids released after moderation (public direct posts only).
        var postIDs: [Int64]
    }
}

/// The `status` values of reference §2.9.
enum PublishStatus {
    static let processingUpload = "PROCESSING_UPLOAD"
    static let processingDownload = "PROCESSING_DOWNLOAD"
    static let sendToUserInbox = "SEND_TO_USER_INBOX"
    static let publishComplete = "PUBLISH_COMPLETE"
    static let failed = "FAILED"
}

/// What status/fetch reports at one moment.
struct PublishView: Sendable {
    var status: String
    var failReason: String?
    var postIDs: [Int64]
}
