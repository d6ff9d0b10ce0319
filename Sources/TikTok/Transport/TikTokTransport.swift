/// Sends one HTTP request to TikTok and returns the whole (size-capped) reply. ``TikTokClient`` holds its logic above
/// this protocol so tests can drive it with a fake; ``HTTPClientTransport`` is the real one.
public protocol TikTokTransport: Sendable {
    /// Sends `request` and reads the reply, all within `deadline`.
    /// - Throws: ``TikTokError`` only: ``TikTokError/Code/timeout``, ``TikTokError/Code/network``,
    ///   ``TikTokError/Code/responseTooLarge`` (reply body over `maxResponseBytes`), ``TikTokError/Code/fileUnreadable``.
    func send(_ request: TransportRequest, deadline: Duration, maxResponseBytes: Int) async throws(TikTokError) -> TransportResponse

    /// Releases connections and threads; later sends fail with ``TikTokError/Code/clientShutDown``. Idempotent.
    func shutdown() async
}

/// One request: method, absolute URL, headers and body.
public struct TransportRequest: Sendable {
    /// `GET`, `POST` or `PUT`.
    public var method: String
    /// The absolute URL, query string included.
    public var url: String
    /// Header fields in order; names as sent.
    public var headers: [(name: String, value: String)]
    /// What to send after the headers.
    public var body: TransportBody

    /// A request with its parts.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: TransportBody = .empty) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A request body.
public enum TransportBody: Sendable {
    /// No body.
    case empty
    /// Bytes held in memory (JSON and form bodies: small).
    case bytes([UInt8])
    /// `length` bytes of the file at `path` from `offset`, streamed in pieces of `pieceSize` bytes, never held whole.
    case file(path: String, offset: Int64, length: Int64, pieceSize: Int)
}

/// A reply: status, headers and the body read in full (at most the cap the request allowed).
public struct TransportResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields in order.
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]

    /// A reply with its parts.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
