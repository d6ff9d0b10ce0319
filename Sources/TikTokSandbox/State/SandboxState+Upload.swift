import Crypto
import Foundation

extension SandboxState {
    /// Opens one chunk of an upload for streaming, checking in this order: unknown upload or wrong token (404),
    /// expired `upload_url` (403), bad headers (400), a range that is not the next chunk (416), a chunk already in
    /// flight (416).
    func beginChunk(uploadID: String, token: String, headers: Result<ChunkHeaders, UploadRejection>, now: Date) throws(UploadRejection) -> ChunkTicket {
        guard var session = self.uploads[uploadID], session.token == token, let post = self.posts[session.publishID],
            let size = post.videoSize, let chunkSize = post.chunkSize, let count = post.totalChunkCount
        else { throw UploadRejection(status: 404, message: "No upload task for this upload_url.") }
        guard now < session.expiresAt else { throw UploadRejection(status: 403, message: "The upload_url has expired.") }
        let chunk: ChunkHeaders
        switch headers {
        case .success(let parsed): chunk = parsed
        case .failure(let rejection): throw rejection
        }
        let progress = (post.bytesReceived, size)
        let index = min(chunk.first / chunkSize, count - 1)
        let expected = ChunkRules.range(index: index, size: size, chunkSize: chunkSize, count: count)
        guard chunk.total == size, chunk.first == post.bytesReceived, chunk.first == expected.lowerBound, chunk.last == expected.upperBound
        else {
            throw UploadRejection(status: 416, message: "Content-Range does not match the upload's progress or chunk boundaries.", progress: progress)
        }
        guard !session.busy else { throw UploadRejection(status: 416, message: "Another chunk is still being received.", progress: progress) }
        session.busy = true
        self.uploads[uploadID] = session
        return ChunkTicket(publishID: session.publishID, openID: post.openID, hasher: session.hasher, isFirst: chunk.first == 0)
    }

    /// Records a fully received chunk: its bytes, the running hash and (first chunk) the file's head. Returns the
    /// bytes received so far and the total.
    func finishChunk(uploadID: String, hasher: SHA256, received: Int64, head: Data?, now: Date) -> (uploaded: Int64, total: Int64) {
        guard var session = self.uploads[uploadID], var post = self.posts[session.publishID] else { return (0, 0) }
        session.busy = false
        session.hasher = hasher
        post.bytesReceived += received
        if let head { post.head = head }
        let total = post.videoSize ?? post.bytesReceived
        if post.bytesReceived == total {
            post.sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            post.transferCompletedAt = now
        }
        self.uploads[uploadID] = session
        self.posts[post.publishID] = post
        self.dirty = true
        return (post.bytesReceived, total)
    }

    /// Releases a chunk whose body did not arrive whole; nothing of it is recorded.
    func abortChunk(uploadID: String) {
        self.uploads[uploadID]?.busy = false
    }
}
