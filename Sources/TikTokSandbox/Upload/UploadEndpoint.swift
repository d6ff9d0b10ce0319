import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `PUT {upload_url}` (reference §2.5): one chunk per request, strictly in order. The body is streamed: each buffer
/// is hashed (SHA-256) and counted, then dropped, so memory stays flat whatever the file size. Answers 206 while
/// bytes are missing and 201 once all arrived, both with `Content-Range: bytes 0-{received-1}/{total}`. A body silent
/// for ``SandboxConfiguration/uploadIdleTimeout`` loses its chunk and its connection (`channel`).
struct UploadEndpoint {
    let app: SandboxApp

    func respond(to request: Request, channel: any Channel) async -> Response {
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
        let body: ChunkBody
        do {
            body = try await ChunkBody.receive(
                request.body, ticket: ticket, length: chunk.contentLength, idleTimeout: self.app.configuration.uploadIdleTimeout)
        } catch is ChunkBody.IdleTimeout {
            // A client cut off mid-chunk (no FIN, no RST) would otherwise hold the upload busy forever. Like a real
            // server's read timeout: drop the partial chunk and the connection; the client may send the chunk again.
            await self.app.state.abortChunk(uploadID: uploadID)
            self.app.logger.notice("chunk body idle; chunk dropped and connection closed", metadata: ["publish_id": "\(ticket.publishID)"])
            try? await channel.close()
            return Reply.plain(408, "No chunk bytes arrived in time.")
        } catch {
            await self.app.state.abortChunk(uploadID: uploadID)
            return Reply.plain(400, "The chunk body ended early.")
        }
        guard body.received == chunk.contentLength else {
            await self.app.state.abortChunk(uploadID: uploadID)
            return Reply.plain(400, "Content-Length does not match the bytes received.")
        }
        let progress = await self.app.state.finishChunk(
            uploadID: uploadID, hasher: body.hasher, received: body.received, head: ticket.isFirst ? body.head : nil, now: self.app.now())
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
