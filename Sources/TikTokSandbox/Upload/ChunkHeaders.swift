import Crypto
import Foundation

/// The headers of one chunk PUT (reference §2.5), checked.
struct ChunkHeaders: Sendable {
    var first: Int64
    var last: Int64
    var total: Int64
    var contentLength: Int64

    static let mediaTypes: Set<String> = ["video/mp4", "video/quicktime", "video/webm"]

    /// Reads `Content-Type`, `Content-Length` and `Content-Range: bytes {first}-{last}/{total}`; anything malformed,
    /// or a length that differs from the range, is a 400.
    static func parse(contentType: String?, contentLength: String?, contentRange: String?) -> Result<ChunkHeaders, UploadRejection> {
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard let mediaType, Self.mediaTypes.contains(mediaType) else {
            return .failure(.init(status: 400, message: "Content-Type must be video/mp4, video/quicktime or video/webm."))
        }
        guard let lengthText = contentLength, let length = Int64(lengthText), length >= 0 else {
            return .failure(.init(status: 400, message: "Content-Length is required."))
        }
        guard let range = contentRange.flatMap(Self.parseRange) else {
            return .failure(.init(status: 400, message: "Content-Range must be 'bytes {first}-{last}/{total}'."))
        }
        guard length == range.last - range.first + 1 else {
            return .failure(.init(status: 400, message: "Content-Length does not match Content-Range."))
        }
        return .success(ChunkHeaders(first: range.first, last: range.last, total: range.total, contentLength: length))
    }

    private static func parseRange(_ text: String) -> (first: Int64, last: Int64, total: Int64)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst("bytes ".count)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let total = Int64(halves[1]) else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]) else { return nil }
        guard first >= 0, last >= first, total > last else { return nil }
        return (first, last, total)
    }
}

/// Why a chunk PUT is refused: a plain HTTP status (uploads have no JSON envelope) plus the progress so far, which the
/// reply's `Content-Range` reports when known.
struct UploadRejection: Error, Sendable {
    var status: Int
    var message: String
    var progress: (uploaded: Int64, total: Int64)?
}

/// What a PUT may stream into, handed out by ``SandboxState/beginChunk(uploadID:token:headers:now:)``.
struct ChunkTicket: Sendable {
    var publishID: String
    var openID: String
    var hasher: SHA256
    /// Whether this chunk holds the file's first bytes (kept for the container check).
    var isFirst: Bool
}
