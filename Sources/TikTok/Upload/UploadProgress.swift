/// The upload's position after a chunk TikTok accepted: what the pipeline checkpoints so any worker can resume.
public struct UploadProgress: Sendable, Hashable {
    /// The chunk just accepted (0-based).
    public var chunkIndex: Int
    /// The chunk to send next (``ChunkPlan/chunkCount`` when done).
    public var nextChunk: Int
    /// Bytes TikTok holds (from its `Content-Range` reply, else the end of the accepted chunk).
    public var receivedBytes: Int64
    /// The file's size.
    public var totalBytes: Int64
    /// True after the 201: every byte arrived and TikTok is processing.
    public var isComplete: Bool

    /// A position with its parts.
    public init(chunkIndex: Int, nextChunk: Int, receivedBytes: Int64, totalBytes: Int64, isComplete: Bool) {
        self.chunkIndex = chunkIndex
        self.nextChunk = nextChunk
        self.receivedBytes = receivedBytes
        self.totalBytes = totalBytes
        self.isComplete = isComplete
    }
}

/// The upload MIME types TikTok accepts (`Content-Type` of each PUT).
public enum VideoContentType: String, Sendable, Hashable, CaseIterable {
    /// MP4 (recommended).
    case mp4 = "video/mp4"
    /// MOV.
    case quicktime = "video/quicktime"
    /// WebM.
    case webm = "video/webm"
}
