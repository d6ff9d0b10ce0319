import Foundation

extension ChunkPlan {
    /// The chunk to send next when TikTok holds `receivedBytes` bytes: the chunk holding the first missing byte
    /// (``chunkCount`` when everything arrived). Chunks are resent whole, never split.
    public func nextChunk(afterReceivedBytes receivedBytes: Int64) -> Int {
        guard receivedBytes < self.videoSize else { return self.chunkCount }
        guard receivedBytes > 0 else { return 0 }
        return min(Int(receivedBytes / self.chunkSize), self.chunkCount - 1)
    }

    /// How many bytes TikTok holds, from an upload reply's `Content-Range: bytes 0-{n}/{total}` header (`bytes */{total}`:
    /// none yet); nil when the header is missing, malformed, or names another total.
    ///
    /// The reference calls `{n}` "UPLOADED_BYTES" while HTTP makes it the last byte's index (count − 1): UNCONFIRMED.
    /// Uploads only stop on chunk boundaries, so we take whichever reading lands on a boundary (or the end); if neither
    /// does, the smaller count `n`, so resuming resends bytes rather than skipping any.
    public func receivedBytes(fromContentRange header: String?) -> Int64? {
        if let header, header.trimmingCharacters(in: .whitespaces) == "bytes */\(self.videoSize)" { return 0 }
        guard let range = ContentRange(parsing: header), range.total == self.videoSize else { return nil }
        let inclusive = range.last + 1
        if inclusive == self.videoSize || self.isBoundary(inclusive) { return inclusive }
        return min(range.last, self.videoSize)
    }

    private func isBoundary(_ offset: Int64) -> Bool {
        offset % self.chunkSize == 0 && offset / self.chunkSize < Int64(self.chunkCount)
    }
}

/// A parsed `Content-Range: bytes {first}-{last}/{total}` header.
struct ContentRange: Hashable {
    var first: Int64
    var last: Int64
    var total: Int64

    /// Parses `bytes a-b/t` (whitespace tolerated); nil for anything else, including `*` forms.
    init?(parsing header: String?) {
        guard let header else { return nil }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst("bytes ".count).trimmingCharacters(in: .whitespaces)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let total = Int64(halves[1]) else { return nil }
        let ends = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let first = Int64(ends[0]), let last = Int64(ends[1]), first >= 0, first <= last, total > 0 else {
            return nil
        }
        (self.first, self.last, self.total) = (first, last, total)
    }

    /// The header value for an inclusive range of a file of `total` bytes.
    static func header(_ range: ClosedRange<Int64>, total: Int64) -> String { "bytes \(range.lowerBound)-\(range.upperBound)/\(total)" }
}
