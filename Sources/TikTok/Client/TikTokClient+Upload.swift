import Foundation

/// The `FILE_UPLOAD` transfer (reference §2.5): one PUT per chunk, strictly in order, each streamed from the file.
extension TikTokClient {
    /// Sends chunks `startingAtChunk…` of the file at `path` to `uploadURL`, reporting each accepted chunk.
    ///
    /// Each chunk is read from the file in pieces of ``TikTokConfiguration/uploadPieceBytes`` while it is sent, so
    /// memory stays small whatever the file size. Each PUT is bounded by ``TikTokConfiguration/chunkUploadDeadline``.
    /// The path is used as given: the caller confines it to the media root.
    /// - Parameters:
    ///   - path: The video file; its size must equal `plan.videoSize`.
    ///   - uploadURL: The init's opaque `upload_url`, used whole (query string included).
    ///   - plan: The chunking declared at init.
    ///   - startingAtChunk: The first chunk to send (from a checkpoint, or ``ChunkPlan/nextChunk(afterReceivedBytes:)``).
    ///   - contentType: The file's MIME type.
    ///   - progress: Called after every accepted chunk, before the next is sent.
    /// - Returns: The final progress (``UploadProgress/isComplete`` true: TikTok answered 201).
    /// - Throws: ``TikTokError``: `upload_range_mismatch` (416, with ``TikTokError/receivedBytes`` to resync),
    ///   `upload_url_expired` (403), `upload_not_found` (404), `upload_rejected` (400), `internal_error` (5xx),
    ///   `timeout`, `network`, `file_unreadable`, `invalid_chunk_plan`.
    public func upload(
        file path: String, to uploadURL: String, plan: ChunkPlan, startingAtChunk: Int = 0, contentType: VideoContentType,
        progress: (UploadProgress) async -> Void = { _ in }
    ) async throws(TikTokError) -> UploadProgress {
        try await self.upload(file: path, to: uploadURL, plan: plan, startingAtChunk: startingAtChunk, contentType: contentType) {
            await progress($0)
            return true
        }
    }

    /// Like ``upload(file:to:plan:startingAtChunk:contentType:progress:)``, but after each accepted chunk
    /// `shouldContinue` decides whether the next one is sent: `false` stops at once (for example when the chunk's
    /// checkpoint could not be saved) and returns the progress reached, ``UploadProgress/isComplete`` false unless
    /// TikTok already answered 201.
    public func upload(
        file path: String, to uploadURL: String, plan: ChunkPlan, startingAtChunk: Int = 0, contentType: VideoContentType,
        continuingWhile shouldContinue: (UploadProgress) async -> Bool
    ) async throws(TikTokError) -> UploadProgress {
        guard (0..<plan.chunkCount).contains(startingAtChunk) else {
            throw TikTokError(.invalidChunkPlan, message: "chunk \(startingAtChunk) outside 0..<\(plan.chunkCount)")
        }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else {
            throw TikTokError(.fileUnreadable, message: "cannot read the video file's size")
        }
        guard size.int64Value == plan.videoSize else {
            throw TikTokError(.fileUnreadable, message: "file has \(size.int64Value) bytes, the plan \(plan.videoSize)")
        }
        for index in startingAtChunk..<plan.chunkCount {
            let reached = try await self.putChunk(index, of: plan, file: path, to: uploadURL, contentType: contentType)
            guard await shouldContinue(reached), !reached.isComplete else { return reached }
        }
        throw TikTokError(.uploadRangeMismatch, message: "every chunk sent but TikTok still expects more")
    }

    /// PUTs one chunk and reads TikTok's verdict.
    private func putChunk(
        _ index: Int, of plan: ChunkPlan, file path: String, to uploadURL: String, contentType: VideoContentType
    ) async throws(TikTokError) -> UploadProgress {
        let range = plan.range(ofChunk: index)
        let length = range.upperBound - range.lowerBound + 1
        let request = TransportRequest(
            method: "PUT", url: uploadURL,
            headers: [
                ("Content-Type", contentType.rawValue), ("Content-Length", String(length)),
                ("Content-Range", ContentRange.header(range, total: plan.videoSize)),
            ],
            body: .file(path: path, offset: range.lowerBound, length: length, pieceSize: self.configuration.uploadPieceBytes))
        do throws(TikTokError) {
            let response = try await self.timed("upload") { () async throws(TikTokError) in
                try await self.transport.send(
                    request, deadline: self.configuration.chunkUploadDeadline, maxResponseBytes: self.configuration.maxResponseBytes)
            }
            let reached = try Self.verdict(response, chunk: index, range: range, plan: plan)
            self.count("upload", outcome: "ok")
            return reached
        } catch {
            var error = error
            if error.message == nil { error.message = "chunk \(index)" }
            throw self.logged(error, endpoint: "upload")
        }
    }

    /// The meaning of one PUT reply (§2.5 table).
    static func verdict(_ response: TransportResponse, chunk index: Int, range: ClosedRange<Int64>, plan: ChunkPlan) throws(TikTokError) -> UploadProgress {
        let status = response.status
        let logID = Self.headerLogID(response)
        let held = plan.receivedBytes(fromContentRange: response.header("content-range"))
        switch status {
        case 201:
            return UploadProgress(chunkIndex: index, nextChunk: plan.chunkCount, receivedBytes: plan.videoSize, totalBytes: plan.videoSize, isComplete: true)
        case 206:
            let received = held ?? (range.upperBound + 1)
            guard received >= range.upperBound + 1, received < plan.videoSize else {
                throw TikTokError(.uploadRangeMismatch, httpStatus: status, message: "chunk \(index) accepted but progress disagrees", logID: logID, receivedBytes: held)
            }
            return UploadProgress(
                chunkIndex: index, nextChunk: index + 1, receivedBytes: range.upperBound + 1, totalBytes: plan.videoSize, isComplete: false)
        case 416:
            throw TikTokError(.uploadRangeMismatch, httpStatus: status, message: "chunk \(index) does not continue TikTok's progress", logID: logID, receivedBytes: held)
        case 403: throw TikTokError(.uploadURLExpired, httpStatus: status, logID: logID)
        case 404: throw TikTokError(.uploadNotFound, httpStatus: status, logID: logID)
        case 429: throw TikTokError(.rateLimitExceeded, httpStatus: status, logID: logID)
        case 300...399: throw TikTokError(.unexpectedRedirect, httpStatus: status, message: "redirects are not followed", logID: logID)
        case 500...599: throw TikTokError(.internalError, httpStatus: status, message: "chunk \(index)", logID: logID)
        case 400...499: throw TikTokError(.uploadRejected, httpStatus: status, message: "chunk \(index)", logID: logID)
        default: throw TikTokError(.malformedResponse, httpStatus: status, message: "undocumented upload status", logID: logID)
        }
    }
}
