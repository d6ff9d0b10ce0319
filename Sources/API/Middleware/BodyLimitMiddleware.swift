import HTTPTypes
import Hummingbird
import NIOCore

/// Caps request bodies: `POST /api/v1/media` may send up to the media limit, everything else up to the JSON limit. A
/// `Content-Length` over the cap is refused before the body is read (413 `payload_too_large`); a chunked body is
/// counted as it streams and fails with the same error the moment it passes the cap.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The cap for JSON and CSV bodies.
    let maxBody: Int
    /// The cap for media uploads.
    let maxUpload: Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isUpload = request.method == .post && request.uri.path == "/api/v1/media"
        // An upload's file bytes are capped exactly by the media store (413 `media_too_large`); the body may exceed
        // them by the multipart framing.
        let cap = isUpload ? self.maxUpload + Self.multipartSlack : Int64(self.maxBody)
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > cap {
            throw Self.tooLarge(cap)
        }
        var request = request
        let body = request.body
        request.body = RequestBody(asyncSequence: CappedBody(base: body, cap: cap))
        return try await next(request, context)
    }

    /// Room for multipart boundaries and part headers around an upload's file.
    static var multipartSlack: Int64 { 1 << 20 }

    static func tooLarge(_ cap: Int64) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "the request body is larger than \(cap) bytes")
    }
}

/// A request body that throws ``APIError`` 413 once more than `cap` bytes have arrived.
struct CappedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let cap: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let cap: Int64
        var seen: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await self.base.next() else { return nil }
            self.seen += Int64(buffer.readableBytes)
            if self.seen > self.cap { throw BodyLimitMiddleware<BasicRequestContext>.tooLarge(self.cap) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self.base.makeAsyncIterator(), cap: self.cap) }
}
