import Foundation

/// A checked `video/init` or `inbox/video/init` body (reference §2.4, §2.7).
struct InitRequest: Sendable {
    /// `post_info` (Direct Post only).
    struct PostInfo: Sendable {
        var privacyLevel: String?
        var title: String?
        /// Required by the Direct Post table; checked after the privacy level (a missing level is a mismatch first).
        var brandContentToggle: Bool?
    }

    enum Source: Sendable {
        case file(size: Int64, chunkSize: Int64, chunkCount: Int64)
        case pull(url: String)
    }

    var postInfo: PostInfo?
    var source: Source

    /// Parses and checks a body; Direct Post needs `post_info`. Chunk rules per reference §2.5, using the constants
    /// safe under both readings of "MB" (the reference leaves 10^6 vs 2^20 UNCONFIRMED): non-final chunks
    /// 5,242,880…64,000,000 bytes, final chunk ≤ 128,000,000, at most 1000 chunks, files ≤ 4,000,000,000 bytes.
    init(body: Data, direct: Bool) throws(PostingError) {
        guard let root = JSONValue.parse(body)?.object else { throw .invalidParam("The request body must be a JSON object.") }
        let fields = JSONFields(members: root, path: "")
        if direct {
            // A missing post_info means a missing privacy_level: TikTok's privacy_level_option_mismatch (§4.2).
            let info = try fields.object("post_info") ?? JSONFields(members: [:], path: "post_info")
            self.postInfo = try Self.postInfo(info)
        }
        guard let sourceInfo = try fields.object("source_info") else { throw .invalidParam("source_info is required.") }
        self.source = try Self.source(sourceInfo)
    }

    private static func postInfo(_ info: JSONFields) throws(PostingError) -> PostInfo {
        let title = try info.string("title")
        if let title, title.utf16.count > 2200 { throw .invalidParam("post_info.title is longer than 2200 UTF-16 code units.") }
        for flag in ["disable_duet", "disable_stitch", "disable_comment", "brand_organic_toggle", "is_aigc"] { _ = try info.bool(flag) }
        if let cover = try info.integer("video_cover_timestamp_ms"), !(Int64(Int32.min)...Int64(Int32.max)).contains(cover) {
            throw .invalidParam("post_info.video_cover_timestamp_ms must be an int32.")
        }
        return PostInfo(privacyLevel: try info.string("privacy_level"), title: title, brandContentToggle: try info.bool("brand_content_toggle"))
    }

    private static func source(_ info: JSONFields) throws(PostingError) -> Source {
        switch try info.string("source") {
        case "FILE_UPLOAD"?:
            guard let size = try info.integer("video_size"), let chunk = try info.integer("chunk_size"),
                let count = try info.integer("total_chunk_count")
            else { throw .invalidParam("FILE_UPLOAD needs video_size, chunk_size and total_chunk_count.") }
            try ChunkRules.check(size: size, chunkSize: chunk, count: count)
            return .file(size: size, chunkSize: chunk, chunkCount: count)
        case "PULL_FROM_URL"?:
            guard let url = try info.string("video_url"), !url.isEmpty else { throw .invalidParam("PULL_FROM_URL needs video_url.") }
            guard let components = URLComponents(string: url), components.scheme != nil, components.host?.isEmpty == false else {
                throw .invalidParam("source_info.video_url is not a valid URL.")
            }
            return .pull(url: url)
        case let other?: throw .invalidParam("source_info.source '\(other)' is not FILE_UPLOAD or PULL_FROM_URL.")
        case nil: throw .invalidParam("source_info.source is required.")
        }
    }
}

/// The chunk arithmetic of reference §2.5.
enum ChunkRules {
    static let minimumChunk: Int64 = 5_242_880
    static let maximumChunk: Int64 = 64_000_000
    static let maximumFinalChunk: Int64 = 128_000_000
    static let maximumChunks: Int64 = 1000
    static let maximumSize: Int64 = 4_000_000_000

    static func check(size: Int64, chunkSize: Int64, count: Int64) throws(PostingError) {
        guard size > 0 else { throw .invalidParam("video_size must be positive.") }
        guard size <= Self.maximumSize else { throw .invalidParam("video_size exceeds 4 GB.") }
        guard chunkSize > 0 else { throw .invalidParam("chunk_size must be positive.") }
        guard count == size / chunkSize else { throw .invalidParam("total_chunk_count must be floor(video_size / chunk_size) = \(size / chunkSize).") }
        guard count >= 1 else { throw .invalidParam("chunk_size must not exceed video_size.") }
        guard count <= Self.maximumChunks else { throw .invalidParam("total_chunk_count must be at most 1000.") }
        if size < Self.minimumChunk {
            guard chunkSize == size else { throw .invalidParam("A file under 5 MB must be sent whole: chunk_size = video_size.") }
            return
        }
        guard chunkSize >= Self.minimumChunk else { throw .invalidParam("chunk_size must be at least 5 MB.") }
        guard chunkSize <= Self.maximumChunk else { throw .invalidParam("chunk_size must be at most 64 MB.") }
        if count == 1, size > Self.maximumChunk { throw .invalidParam("A file over 64 MB must be split into several chunks.") }
        // Documented, though it cannot bind while non-final chunks are ≤ 64 MB (the final one is < 2 × chunk_size).
        guard size - (count - 1) * chunkSize <= Self.maximumFinalChunk else { throw .invalidParam("The final chunk must be at most 128 MB.") }
    }

    /// The inclusive byte range of chunk `index`; the last chunk absorbs the remainder.
    static func range(index: Int64, size: Int64, chunkSize: Int64, count: Int64) -> ClosedRange<Int64> {
        let first = index * chunkSize
        return first...(index == count - 1 ? size - 1 : first + chunkSize - 1)
    }
}
