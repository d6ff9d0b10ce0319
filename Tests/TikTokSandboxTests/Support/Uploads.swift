import AsyncHTTPClient
import Crypto
import Foundation

extension TestSandbox {
    /// `size` bytes that start like an MP4 (`ftyp` box) followed by a deterministic pattern.
    static func mp4(size: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: size)
        let header: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8)
        for index in 0..<size { bytes[index] = index < header.count ? header[index] : UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        return Data(bytes)
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    /// PUTs `data[range]` with a matching Content-Range (or `contentRange` when given).
    func put(_ url: String, _ data: Data, _ range: ClosedRange<Int>, contentType: String = "video/mp4", contentRange: String? = nil) async throws -> Reply {
        try await self.send(
            .PUT, url,
            headers: [("Content-Type", contentType), ("Content-Range", contentRange ?? "bytes \(range.lowerBound)-\(range.upperBound)/\(data.count)")],
            body: data.subdata(in: range.lowerBound..<(range.upperBound + 1)))
    }

    /// A Direct Post init for FILE_UPLOAD of `size` bytes in one chunk (or `chunk`-sized ones).
    func initUpload(token: String, size: Int, chunk: Int? = nil, privacy: String = "PUBLIC_TO_EVERYONE", title: String = "funny #cat video") async throws -> Reply {
        let chunkSize = chunk ?? size
        return try await self.postJSON(
            "/v2/post/publish/video/init/",
            [
                "post_info": [
                    "title": title, "privacy_level": privacy, "disable_duet": false, "disable_comment": true, "disable_stitch": false,
                    "video_cover_timestamp_ms": 1000, "brand_content_toggle": false, "brand_organic_toggle": false, "is_aigc": false,
                ],
                "source_info": ["source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunkSize, "total_chunk_count": size / chunkSize],
            ], token: token)
    }

    /// An inbox init for FILE_UPLOAD of `size` bytes in one chunk.
    func initInbox(token: String, size: Int) async throws -> Reply {
        try await self.postJSON(
            "/v2/post/publish/inbox/video/init/",
            ["source_info": ["source": "FILE_UPLOAD", "video_size": size, "chunk_size": size, "total_chunk_count": 1]], token: token)
    }

    /// `GET /_sandbox/posts` entries.
    func posts(openID: String? = nil) async throws -> [Wire] {
        try await self.getJSON("/_sandbox/posts" + (openID.map { "?open_id=\($0)" } ?? ""))["posts"]?.array ?? []
    }
}
