import Crypto
import Domain
import Foundation
import JobQueue
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `Idempotency-Key` on a creating `POST`: the first request with a key runs and its answer (any status below 500) is
/// kept for 24 h; the same key with the same method, path and body gets that answer again (header
/// `Idempotent-Replayed: true`), with anything else a 409 `idempotency_key_reused`; while the first is still running,
/// a 409 `idempotency_in_progress` with `Retry-After`. Keys belong to the API key that sent them. A 5xx answer is not
/// kept, so the same key can be retried. Multipart uploads (`POST /api/v1/media`) keep their keys in the handler,
/// which fingerprints the file's SHA-256 instead of the (boundary-dependent) body.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let records: IdempotencyRepository
    /// Redis's clock: a key's 24 hours are judged on one clock for every API host.
    let clock: RedisClock
    /// The largest body fingerprinted here (JSON and CSV bodies); larger ones are refused by the body limit first.
    let maxBody: Int

    static var keyHeader: HTTPField.Name { HTTPField.Name("Idempotency-Key")! }
    static var replayedHeader: HTTPField.Name { HTTPField.Name("Idempotent-Replayed")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.keyHeader], let caller = Caller.current else {
            return try await next(request, context)
        }
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/") == true { return try await next(request, context) }
        guard Self.isValidKey(key) else {
            throw APIError.validation([FieldProblem(field: "Idempotency-Key", problem: "must be 1 to 255 printable ASCII characters")])
        }
        var request = request
        let body = try await request.collectBody(upTo: self.maxBody)
        let fingerprint = Self.fingerprint(method: request.method.rawValue, path: request.uri.description, body: body)
        switch try await self.records.begin(apiKeyID: caller.apiKeyID, key: key, requestHash: fingerprint, now: try await self.clock.now()) {
        case .proceed:
            break
        case .replay(let status, let contentType, let stored):
            var headers = HTTPFields()
            if let contentType { headers[.contentType] = contentType }
            headers[Self.replayedHeader] = "true"
            return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored)))
        case .mismatch:
            throw APIError(
                .conflict, code: "idempotency_key_reused",
                message: "this Idempotency-Key was used with a different request (method, path or body)")
        case .inProgress:
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            throw APIError(.conflict, code: "idempotency_in_progress", message: "a request with this Idempotency-Key is still running", headers: headers)
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let answer = ErrorMiddleware<Context>.answer(for: error)
            guard answer.status.code < 500 else {
                try? await self.records.abandon(apiKeyID: caller.apiKeyID, key: key)
                throw error
            }
            let stored = ErrorBody.encode(answer)
            try await self.records.finish(
                apiKeyID: caller.apiKeyID, key: key, status: Int(answer.status.code), contentType: "application/json; charset=utf-8", body: stored)
            throw answer
        }
        guard response.status.code < 500 else {
            try? await self.records.abandon(apiKeyID: caller.apiKeyID, key: key)
            return response
        }
        let collected = try await Self.collect(response.body)
        try await self.records.finish(
            apiKeyID: caller.apiKeyID, key: key, status: Int(response.status.code), contentType: response.headers[.contentType],
            body: collected)
        var replayable = response
        replayable.body = ResponseBody(byteBuffer: ByteBuffer(bytes: collected))
        return replayable
    }

    static func isValidKey(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    /// SHA-256 over method, path with query, and body.
    static func fingerprint(method: String, path: String, body: ByteBuffer) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data((method + "\n" + path + "\n").utf8))
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return Data(hasher.finalize())
    }

    /// The bytes of a response body (answers of creating routes are small JSON).
    static func collect(_ body: ResponseBody) async throws -> Data {
        let sink = ByteSink()
        try await body.write(CollectingWriter(sink: sink))
        return sink.bytes
    }
}

/// Where ``CollectingWriter`` puts the bytes.
final class ByteSink: Sendable {
    private let storage = Mutex(Data())
    func append(_ buffer: ByteBuffer) { self.storage.withLock { $0.append(contentsOf: buffer.readableBytesView) } }
    var bytes: Data { self.storage.withLock { $0 } }
}

/// A response writer that keeps what is written.
struct CollectingWriter: ResponseBodyWriter {
    let sink: ByteSink
    mutating func write(_ buffer: ByteBuffer) async throws { self.sink.append(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
