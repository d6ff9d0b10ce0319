import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `PUT {upload_url}` (reference §2.5): one chunk per request, strictly in order. The body is streamed: each buffer
/// is hashed (SHA-256) and counted, then dropped, so memory stays flat whatever the file size. Answers 206 while
/// bytes are missing and 201 once all arrived, both with `Content-Range: bytes 0-{received-1}/{total}`.
struct UploadEndpoint {
    let app: SandboxApp

    func respond(to request: Request) async -> Response {
        guard let query = FormFields.parse(request.uri.query ?? ""), let uploadID = query["upload_id"], let token = query["upload_token"]
        else { return Reply.plain(404, "No upload task for this upload_url.") }
        let headers = ChunkHeaders.parse(
            contentType: request.headers[.contentType], contentLength: request.headers[.contentLength],
            contentRange: request.headers[Reply.contentRangeHeader])
        let ticket: ChunkTicket
        do throws(UploadRejection) {
            ticket = try await self.app.state.beginChunk(uploadID: uploadID, token: token, headers: headers, now: self.app.now())
        } catch {
            return Self.rejected(error)
        }
        guard case .success(let chunk) = headers else { return Reply.plain(400, "Bad headers.") }
        var hasher = ticket.hasher
        var received: Int64 = 0
        var head = Data()
        do {
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= chunk.contentLength else { break }
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                if ticket.isFirst, head.count < MediaSniffer.headLength {
                    head.append(contentsOf: buffer.readableBytesView.prefix(MediaSniffer.headLength - head.count))
                }
            }
        } catch {
            await self.app.state.abortChunk(uploadID: uploadID)
            return Reply.plain(400, "The chunk body ended early.")
        }
        guard received == chunk.contentLength else {
            await self.app.state.abortChunk(uploadID: uploadID)
            return Reply.plain(400, "Content-Length does not match the bytes received.")
        }
        let progress = await self.app.state.finishChunk(
            uploadID: uploadID, hasher: hasher, received: received, head: ticket.isFirst ? head : nil, now: self.app.now())
        let done = progress.uploaded == progress.total
        return Reply.plain(
            done ? 201 : 206, done ? "All bytes received." : "Chunk received.",
            headers: [Reply.contentRangeHeader: Self.contentRange(progress.uploaded, progress.total)])
    }

    private static func rejected(_ rejection: UploadRejection) -> Response {
        var headers: HTTPFields = [:]
        if let progress = rejection.progress { headers[Reply.contentRangeHeader] = Self.contentRange(progress.uploaded, progress.total) }
        return Reply.plain(rejection.status, rejection.message, headers: headers)
    }

    /// `bytes 0-{received-1}/{total}`, or RFC 9110's `bytes */{total}` while nothing arrived.
    static func contentRange(_ received: Int64, _ total: Int64) -> String {
        received > 0 ? "bytes 0-\(received - 1)/\(total)" : "bytes */\(total)"
    }
}
