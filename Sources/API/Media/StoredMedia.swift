public import Foundation

/// A file ingested into the media root: what the API records in the `media` table and returns from `POST /media`.
public struct StoredMedia: Sendable, Hashable {
    /// The media id; also the stored file's name.
    public var id: UUID
    /// The path relative to the media root, `uploads/<yyyy>/<mm>/<id>.<ext>` (what `PublishVideo.mediaPath` carries).
    public var relativePath: String
    /// The client's file name, sanitized; metadata only, never used as a path.
    public var originalName: String
    /// The size in bytes.
    public var sizeBytes: Int64
    /// The SHA-256 of the content, lowercase hex.
    public var sha256: String
    /// The MIME type, from the probed container (the client's declared type is only a hint).
    public var contentType: String
    /// What probing found.
    public var info: MediaInfo
    /// When the ingest finished.
    public var createdAt: Date

    /// A stored file's record.
    public init(
        id: UUID, relativePath: String, originalName: String, sizeBytes: Int64, sha256: String, contentType: String, info: MediaInfo,
        createdAt: Date
    ) {
        self.id = id
        self.relativePath = relativePath
        self.originalName = originalName
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.contentType = contentType
        self.info = info
        self.createdAt = createdAt
    }
}
