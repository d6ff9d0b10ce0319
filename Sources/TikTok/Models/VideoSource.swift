/// How TikTok gets the video (`source_info`, reference §2.4–§2.7).
public enum VideoSource: Sendable, Hashable, Encodable {
    /// We PUT the bytes to the returned `upload_url` in `totalChunkCount` chunks (see ``ChunkPlan``).
    case fileUpload(videoSize: Int64, chunkSize: Int64, totalChunkCount: Int64)
    /// TikTok downloads the video from this HTTPS URL under a verified domain or prefix.
    case pullFromURL(String)

    /// A file upload following `plan`.
    public static func fileUpload(_ plan: ChunkPlan) -> VideoSource {
        .fileUpload(videoSize: plan.videoSize, chunkSize: plan.chunkSize, totalChunkCount: Int64(plan.chunkCount))
    }

    enum CodingKeys: String, CodingKey {
        case source, videoSize = "video_size", chunkSize = "chunk_size", totalChunkCount = "total_chunk_count", videoURL = "video_url"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .fileUpload(let videoSize, let chunkSize, let totalChunkCount):
            try container.encode("FILE_UPLOAD", forKey: .source)
            try container.encode(videoSize, forKey: .videoSize)
            try container.encode(chunkSize, forKey: .chunkSize)
            try container.encode(totalChunkCount, forKey: .totalChunkCount)
        case .pullFromURL(let url):
            try container.encode("PULL_FROM_URL", forKey: .source)
            try container.encode(url, forKey: .videoURL)
        }
    }

    /// True for ``fileUpload(videoSize:chunkSize:totalChunkCount:)``.
    public var isFileUpload: Bool {
        if case .fileUpload = self { return true }
        return false
    }
}
