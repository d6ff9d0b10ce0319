public import Foundation

/// The media root on disk: uploads stream into `<root>/.incoming/`, are hashed and probed on the way, and are renamed
/// into `<root>/uploads/<yyyy>/<mm>/<uuid>.<ext>` only when everything passed. A failed or refused upload leaves
/// nothing behind. Paths given back in are resolved inside the root only.
///
/// Framework-free: ``ingest(filename:contentType:chunks:now:)`` takes any async sequence of byte chunks (Hummingbird's
/// request body, swift-openapi-runtime's `HTTPBody` or a multipart part's body), and never holds more than one chunk.
public struct MediaStore: Sendable {
    /// The media root (`REELAY_MEDIA_ROOT`).
    public let root: String
    /// Largest upload accepted; the chunk that would pass it aborts the upload (the API answers 413). Capped at
    /// TikTok's 4 GB by ``MediaProbe/limits``.
    public let maxBytes: Int64
    /// The prober run on every upload.
    public let probe: MediaProbe

    /// The folder uploads stream into before they are accepted.
    public var incomingFolder: String { self.root + "/.incoming" }

    /// A store under `root` (made absolute and standardized) accepting uploads of at most `maxBytes`.
    public init(root: String, maxBytes: Int64, probe: MediaProbe = MediaProbe()) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        self.maxBytes = max(0, maxBytes)
        self.probe = probe
    }

    /// Streams an upload to disk, hashes and probes it, and moves it into place.
    /// - Parameters:
    ///   - filename: the client's file name: sanitized and kept as metadata only.
    ///   - contentType: the client's declared type: a hint only, the stored type comes from the probe.
    ///   - chunks: the body, chunk by chunk.
    ///   - now: the time the record gets (and the `<yyyy>/<mm>` folder, in UTC).
    /// - Returns: the stored file's record.
    /// - Throws: ``MediaError``: `tooLarge` (→ 413), `empty`, `unsupportedFormat`, `invalidDuration`,
    ///   `invalidResolution`, `interrupted` (the body failed), `io`.
    public func ingest<Chunks: AsyncSequence>(
        filename: String, contentType: String?, chunks: Chunks, now: Date = Date()
    ) async throws(MediaError) -> StoredMedia where Chunks.Element: MediaChunk {
        let limit = min(self.maxBytes, self.probe.limits.maximumBytes)
        let incoming = try IncomingFile(directory: self.incomingFolder, limit: limit)
        do {
            for try await chunk in chunks {
                try incoming.append(chunk)
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(.interrupted, message: "the upload stream failed before its end")
        }
        if Task.isCancelled { throw MediaError(.interrupted, message: "the upload was cancelled") }
        guard incoming.size > 0 else { throw MediaError(.empty, message: "the upload is empty") }
        let sha256 = try incoming.finish()
        let info = try await self.probe.probe(path: incoming.path)
        let id = UUID()
        let relativePath = Self.relativePath(id: id, container: info.container, now: now)
        try incoming.move(to: self.root + "/" + relativePath)
        return StoredMedia(
            id: id, relativePath: relativePath, originalName: Self.sanitize(filename: filename), sizeBytes: incoming.size, sha256: sha256,
            contentType: info.container.contentType, info: info, createdAt: now)
    }

    /// `uploads/<yyyy>/<mm>/<id>.<ext>`, with the month in UTC.
    static func relativePath(id: UUID, container: MediaContainer, now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let year = String(format: "%04d", parts.year ?? 1970)
        let month = String(format: "%02d", parts.month ?? 1)
        return "uploads/\(year)/\(month)/\(id.uuidString.lowercased()).\(container.fileExtension)"
    }

    /// A client file name made safe to store and show: its last path component, without control characters, path
    /// separators or leading dots, at most 255 bytes of UTF-8; `upload` when nothing is left.
    public static func sanitize(filename: String) -> String {
        let last = filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(last.unicodeScalars.filter { scalar in
            !(scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator)
        }))
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        while cleaned.utf8.count > 255 { cleaned.removeLast() }
        return cleaned.isEmpty ? "upload" : cleaned
    }
}
