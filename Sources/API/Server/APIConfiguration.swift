import Foundation

/// How `reelay api` serves: address, public URL, limits. Defaults are fit for one host; `Reelay` fills them from
/// flags and `REELAY_*` variables.
public struct APIConfiguration: Sendable {
    /// The address to bind.
    public var host = "127.0.0.1"
    /// The port to bind (`REELAY_API_PORT`); 0 picks a free one (tests).
    public var port = 8080
    /// The base URL people and TikTok reach this API at (`REELAY_PUBLIC_URL`): the OAuth redirect URI and the signed
    /// media URLs are built on it.
    public var publicURL = "http://127.0.0.1:8080"
    /// Origins allowed by CORS (empty: no cross-origin browser calls).
    public var corsOrigins: [String] = []
    /// The largest JSON or CSV request body.
    public var maxBody = 8 * 1024 * 1024
    /// The largest media upload (TikTok takes up to 4 GB).
    public var maxUpload: Int64 = 1024 * 1024 * 1024
    /// Requests per key per minute; 0 turns the limit off.
    public var requestsPerMinute = 1200
    /// The folder media files live in.
    public var mediaRoot = "media"
    /// How uploads are probed: ffprobe when installed (`.automatic`), or container sniffing only (`.disabled`).
    public var ffprobe: MediaProbe.FFprobe = .automatic
    /// The queue publish jobs go to.
    public var queue = "publish"
    /// How long a connect flow's `state` stays valid.
    public var oauthStateLifetime: Duration = .seconds(600)
    /// The scopes asked for when an account connects.
    public var scopes = ["user.info.basic", "video.publish", "video.upload"]
    /// How long a signed media URL works.
    public var mediaURLLifetime: Duration = .seconds(6 * 3600)
    /// How long an authenticated key is trusted without asking PostgreSQL again (a revoke takes this long to reach
    /// every API process).
    public var apiKeyCacheLifetime: Duration = .seconds(30)
    /// Attempts a publish job gets.
    public var maxAttempts = 8
    /// Fault injection for crash tests (`reelay api --crash-at start-committed`, hidden): called after a campaign
    /// start committed its posts and before they are pushed to Redis. `nil` in production.
    public var afterStartCommit: (@Sendable () -> Void)?
    /// The process's metrics in Prometheus text, served at `GET /metrics` (nil: 404). The API module keeps no metrics
    /// backend of its own: the executable owns it.
    public var metricsExposition: (@Sendable () -> [UInt8])?
    /// Whether requests get server spans (and posts their trace context): on when the process exports traces. Off,
    /// requests skip the tracing middlewares altogether.
    public var tracing = false

    /// The defaults.
    public init() {}

    /// The OAuth redirect URI: `<publicURL>/oauth/tiktok/callback`.
    public var redirectURI: String { self.publicURL + "/oauth/tiktok/callback" }
}
