/// How a video file is cut into the chunks of a `FILE_UPLOAD` (reference §2.5).
///
/// `totalChunkCount = floor(videoSize / chunkSize)`; every chunk is `chunkSize` bytes except the last, which absorbs the
/// remainder. Whether TikTok's "MB" means 10^6 or 2^20 bytes is UNCONFIRMED, so the limits are the constants that are
/// safe under both readings (see the static members).
public struct ChunkPlan: Sendable, Hashable, CustomStringConvertible {
    /// Smallest non-final chunk: 5 MiB (≥ 5 MB under both readings).
    public static let minimumChunkSize: Int64 = 5_242_880
    /// Largest non-final chunk: 64,000,000 (≤ 64 MB under both readings).
    public static let maximumChunkSize: Int64 = 64_000_000
    /// Largest final chunk: 128,000,000.
    public static let maximumFinalChunkSize: Int64 = 128_000_000
    /// Most chunks in one upload.
    public static let maximumChunkCount: Int64 = 1000
    /// Largest video: 4 GB read as 4,000,000,000 bytes (the smaller, safe reading of "GB"; UNCONFIRMED).
    public static let maximumVideoSize: Int64 = 4_000_000_000
    /// Chunk size the planner prefers, as in TikTok's worked example.
    public static let preferredChunkSize: Int64 = 10_000_000

    /// Bytes in the whole file (`video_size`).
    public let videoSize: Int64
    /// Bytes per non-final chunk (`chunk_size`).
    public let chunkSize: Int64
    /// Number of chunks (`total_chunk_count`).
    public let chunkCount: Int

    /// The plan for `videoSize` bytes cut into `chunkSize` chunks, checked against TikTok's rules. A file smaller than
    /// ``minimumChunkSize`` is always one chunk, whatever `chunkSize` says.
    /// - Throws: ``TikTokError`` ``TikTokError/Code/invalidChunkPlan`` naming the broken rule.
    public init(videoSize: Int64, chunkSize: Int64) throws(TikTokError) {
        guard videoSize > 0, videoSize <= Self.maximumVideoSize else {
            throw Self.invalid("video size \(videoSize) is outside 1...\(Self.maximumVideoSize) bytes")
        }
        if videoSize < Self.minimumChunkSize {
            (self.videoSize, self.chunkSize, self.chunkCount) = (videoSize, videoSize, 1)
            return
        }
        guard (Self.minimumChunkSize...Self.maximumChunkSize).contains(chunkSize) else {
            throw Self.invalid("chunk size \(chunkSize) is outside \(Self.minimumChunkSize)...\(Self.maximumChunkSize) bytes")
        }
        let count = videoSize / chunkSize
        guard count >= 1 else { throw Self.invalid("chunk size \(chunkSize) is larger than the video (\(videoSize) bytes)") }
        guard count <= Self.maximumChunkCount else { throw Self.invalid("\(count) chunks; at most \(Self.maximumChunkCount)") }
        let final = videoSize - (count - 1) * chunkSize
        guard final <= Self.maximumFinalChunkSize else {
            throw Self.invalid("final chunk of \(final) bytes; at most \(Self.maximumFinalChunkSize)")
        }
        guard count >= 2 || videoSize <= Self.maximumChunkSize else {
            throw Self.invalid("a video over \(Self.maximumChunkSize) bytes must be split into several chunks")
        }
        (self.videoSize, self.chunkSize, self.chunkCount) = (videoSize, chunkSize, Int(count))
    }

    /// The plan Reelay uses for a file of `videoSize` bytes: one chunk below 10,000,000 bytes, else chunks of
    /// `max(10,000,000, ceil(size / 1000))` bytes (≤ 64,000,000 for any size up to 4 GB).
    /// - Throws: ``TikTokError`` ``TikTokError/Code/invalidChunkPlan`` for an empty or over-4 GB file.
    public init(videoSize: Int64) throws(TikTokError) {
        guard videoSize > 0 else { throw Self.invalid("video size \(videoSize) is outside 1...\(Self.maximumVideoSize) bytes") }
        let perThousand = (videoSize + Self.maximumChunkCount - 1) / Self.maximumChunkCount
        let chunk = videoSize < Self.preferredChunkSize ? videoSize : min(max(Self.preferredChunkSize, perThousand), Self.maximumChunkSize)
        try self.init(videoSize: videoSize, chunkSize: max(chunk, Self.minimumChunkSize))
    }

    /// The inclusive byte range of chunk `index` (0-based), as sent in `Content-Range`.
    /// - Precondition: `index` is in `0..<chunkCount`.
    public func range(ofChunk index: Int) -> ClosedRange<Int64> {
        precondition((0..<self.chunkCount).contains(index), "chunk \(index) outside 0..<\(self.chunkCount)")
        let first = Int64(index) * self.chunkSize
        let last = index == self.chunkCount - 1 ? self.videoSize - 1 : first + self.chunkSize - 1
        return first...last
    }

    /// Every chunk's inclusive byte range, in order.
    public var ranges: [ClosedRange<Int64>] { (0..<self.chunkCount).map(self.range(ofChunk:)) }

    public var description: String { "ChunkPlan(video_size: \(self.videoSize), chunk_size: \(self.chunkSize), chunks: \(self.chunkCount))" }

    private static func invalid(_ message: String) -> TikTokError { TikTokError(.invalidChunkPlan, message: message) }
}
