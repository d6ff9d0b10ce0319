import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The real transport: one AsyncHTTPClient `HTTPClient` with a bounded connection pool, a connect timeout and
/// redirects **disabled** (TikTok's API never redirects; a 3xx is reported, not followed). Every call is bounded by its
/// deadline end to end, and reply bodies are read up to a cap; a larger body aborts the request and its connection.
public final class HTTPClientTransport: TikTokTransport {
    private let client: HTTPClient
    private let isShutDown = Atomic<Bool>(false)

    /// A transport with its own `HTTPClient` on the shared event loops; call ``shutdown()`` when done.
    public init(connectTimeout: Duration = .seconds(10), connectionsPerHost: Int = 8) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost)),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        // No spans of the HTTP client's own: they would record full URLs, and upload URLs carry TikTok's upload token.
        // The client's `tiktok <endpoint>` spans cover these exchanges without URLs.
        configuration.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func send(_ request: TransportRequest, deadline: Duration, maxResponseBytes: Int) async throws(TikTokError) -> TransportResponse {
        guard !self.isShutDown.load(ordering: .acquiring) else { throw TikTokError(.clientShutDown) }
        let client = self.client
        do {
            return try await withDeadline(deadline) {
                try await Self.perform(request, on: client, deadline: deadline, maxResponseBytes: maxResponseBytes)
            }
        } catch {
            throw Self.translate(error)
        }
    }

    public func shutdown() async {
        guard !self.isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? await self.client.shutdown()
    }

    /// Dropped without ``shutdown()`` (an owner's error path): the client is shut down here, without blocking, instead
    /// of leaking its connections (and, in debug builds, AsyncHTTPClient trapping on it).
    deinit {
        if !self.isShutDown.load(ordering: .acquiring) { self.client.shutdown().whenComplete { _ in } }
    }

    private static func perform(
        _ request: TransportRequest, on client: HTTPClient, deadline: Duration, maxResponseBytes: Int
    ) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        switch request.body {
        case .empty: break
        case .bytes(let bytes): outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        case .file(let path, let offset, let length, let pieceSize):
            let pieces = FilePieces(path: path, offset: offset, length: length, pieceSize: max(4096, pieceSize))
            outgoing.body = .stream(pieces, length: .known(length))
        }
        let response = try await client.execute(outgoing, timeout: TimeAmount(deadline))
        let status = Int(response.status.code)
        if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > maxResponseBytes {
            throw TikTokError(.responseTooLarge, httpStatus: status, message: "reply declares \(declared) bytes")
        }
        var body: [UInt8] = []
        for try await piece in response.body {
            guard body.count + piece.readableBytes <= maxResponseBytes else {
                throw TikTokError(.responseTooLarge, httpStatus: status, message: "reply body over \(maxResponseBytes) bytes")
            }
            body.append(contentsOf: piece.readableBytesView)
        }
        let headers = response.headers.map { (name: $0.name, value: $0.value) }
        return TransportResponse(status: status, headers: headers, body: body)
    }

    /// Any failure as a ``TikTokError``: timeouts as `timeout`, everything else from the wire as `network`.
    private static func translate(_ error: any Error) -> TikTokError {
        if let error = error as? TikTokError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout:
                return TikTokError(.timeout, message: "\(error)")
            case .alreadyShutdown:
                return TikTokError(.clientShutDown)
            default:
                return TikTokError(.network, message: "\(error)")
            }
        }
        if error is CancellationError { return TikTokError(.network, message: "request cancelled") }
        return TikTokError(.network, message: String(describing: type(of: error)))
    }
}

extension TimeAmount {
    /// The same span as `duration`, rounded down to nanoseconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
