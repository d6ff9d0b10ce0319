public import Logging
import Metrics

import Tracing
public import ServiceLifecycle

/// The client of TikTok's official OAuth 2.0 and Content Posting APIs (reference §1–§2), and the chunk uploader.
///
/// Every call is bounded by its deadline and throws only ``TikTokError``, whose ``TikTokError/classification`` tells the
/// worker whether to retry, wait, park the account or give up. Nothing here evades a limit: a refusal is reported, never
/// worked around. It is a `Service`: in a `ServiceGroup`, ``run()`` waits for graceful shutdown and then closes the
/// connections; outside one, call ``shutdown()``.
public final class TikTokClient: Service, Sendable {
    /// Hosts, credentials, deadlines and size limits.
    public let configuration: TikTokConfiguration
    let transport: any TikTokTransport
    let logger: Logger

    /// A client with its own HTTP connection pool (``HTTPClientTransport``).
    public convenience init(configuration: TikTokConfiguration, logger: Logger = Logger(label: "reelay.tiktok")) {
        let transport = HTTPClientTransport(connectTimeout: configuration.connectTimeout, connectionsPerHost: configuration.connectionsPerHost)
        self.init(configuration: configuration, transport: transport, logger: logger)
    }

    /// A client over `transport` (a fake one in unit tests).
    public init(configuration: TikTokConfiguration, transport: any TikTokTransport, logger: Logger = Logger(label: "reelay.tiktok")) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
    }

    /// Waits for graceful shutdown (or cancellation), then calls ``shutdown()``.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.shutdown()
    }

    /// Closes the connections; later calls fail with ``TikTokError/Code/clientShutDown``. Idempotent.
    public func shutdown() async {
        await self.transport.shutdown()
    }

    /// `base` + `path`, with exactly one slash between them.
    func url(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Counts one call in `reelay.tiktok.requests` (dimensions `endpoint` and `outcome`: `ok` or the error code).
    func count(_ endpoint: String, outcome: String) {
        Counter(label: "reelay.tiktok.requests", dimensions: [("endpoint", endpoint), ("outcome", outcome)]).increment()
    }

    /// Runs one HTTP exchange with TikTok and records its duration in `reelay.tiktok.request_duration` (dimensions
    /// `endpoint` and `outcome`: `ok` when an answer arrived, whatever it says, or the transport's error code).
    /// The exchange is also a client span `tiktok <endpoint>` (attributes: the HTTP status, TikTok's error code and log
    /// id; never a URL, since upload URLs are credentials), a child of the current span.
    func timed<Reply>(_ endpoint: String, _ exchange: () async throws(TikTokError) -> Reply) async throws(TikTokError) -> Reply {
        let started = ContinuousClock.now
        let span = startSpan("tiktok \(endpoint)", ofKind: .client)
        defer { span.end() }
        span.attributes["reelay.tiktok.endpoint"] = endpoint
        func record(_ outcome: String) {
            let elapsed = ContinuousClock.now - started
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            Timer(label: "reelay.tiktok.request_duration", dimensions: [("endpoint", endpoint), ("outcome", outcome)]).recordNanoseconds(nanoseconds)
        }
        let outcome: Result<Reply, TikTokError> = await ServiceContext.withValue(span.context) {
            do throws(TikTokError) { return .success(try await exchange()) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(let reply):
            record("ok")
            return reply
        case .failure(let error):
            record(error.code.rawValue)
            span.attributes["reelay.tiktok.code"] = error.code.rawValue
            if let status = error.httpStatus { span.attributes["http.response.status_code"] = status }
            if let logID = error.logID { span.attributes["reelay.tiktok.log_id"] = logID }
            span.setStatus(SpanStatus(code: .error, message: error.code.rawValue))
            throw error
        }
    }

    /// Logs and counts a failed call with its code, status and log id (never tokens, secrets or bodies); passes it on.
    func logged(_ error: TikTokError, endpoint: String) -> TikTokError {
        self.count(endpoint, outcome: Classification.table[error.code] == nil ? "other" : error.code.rawValue)
        self.logger.notice(
            "tiktok call failed",
            metadata: [
                "tiktok.endpoint": "\(endpoint)", "tiktok.code": "\(error.code)", "tiktok.status": "\(error.httpStatus.map(String.init) ?? "-")",
                "tiktok.log_id": "\(error.logID ?? "-")", "tiktok.class": "\(error.classification)",
            ])
        return error
    }
}
