public import Foundation

/// An uploaded video: a file under the media root and what ingest learned about it.
public struct Media: Sendable, Hashable, Identifiable {
    /// The media's id.
    public var id: UUID
    /// The file, relative to the media root (never absolute, never climbing out with `..`).
    public var path: String
    /// The uploaded file's name, if the client sent one.
    public var originalName: String?
    /// The container's MIME type, e.g. `video/mp4`.
    public var contentType: String
    /// The file's size in bytes.
    public var sizeBytes: Int64
    /// SHA-256 of the file (32 bytes).
    public var sha256: Data
    /// What probing found (`duration_seconds`, `width`, `height`, `codec`, …).
    public var probe: [String: JSONValue]
    /// When it was uploaded.
    public var createdAt: Date

    /// A media record with every field given.
    public init(
        id: UUID, path: String, originalName: String?, contentType: String, sizeBytes: Int64, sha256: Data, probe: [String: JSONValue],
        createdAt: Date
    ) {
        self.id = id
        self.path = path
        self.originalName = originalName
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.probe = probe
        self.createdAt = createdAt
    }

    /// `probe["duration_seconds"]` as a number of seconds, when probing found one.
    public var durationSeconds: Double? { self.probe["duration_seconds"]?.numberValue }

    /// ``sha256`` as 64 lowercase hex digits.
    public var sha256Hex: String { self.sha256.map { String(format: "%02x", $0) }.joined() }
}
