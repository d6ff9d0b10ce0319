public import Foundation

/// How a ``SandboxServer`` behaves: where it listens, which app it acts for, and every time window and limit, so
/// tests can shrink them. Defaults follow TikTok's documented values (reference §1.6, §2.5, §3).
public struct SandboxConfiguration: Sendable {
    /// Address to bind; only loopback in tests.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (read it with ``SandboxServer/listeningPort()``).
    public var port: Int = 0
    /// The one app (client) the sandbox knows.
    public var clientKey: String = "sandbox-client-key"
    /// That app's secret.
    public var clientSecret: String = "sandbox-client-secret"
    /// `true`: act as an unaudited client (SELF_ONLY only, private accounts only, at most 5 posting users per 24 h).
    public var unaudited: Bool = false
    /// After the last byte (or the end of a pull) until the terminal status.
    public var processingTime: Duration = .seconds(2)
    /// After `PUBLISH_COMPLETE` until `publicaly_available_post_id` appears (public posts only).
    public var moderationTime: Duration = .seconds(1)
    /// `expires_in` of access tokens.
    public var accessTokenLifetime: Duration = .seconds(86_400)
    /// `refresh_expires_in` of refresh tokens, counted from the first issue (a rotated token keeps the same end).
    public var refreshTokenLifetime: Duration = .seconds(31_536_000)
    /// How long an `upload_url` accepts chunks.
    public var uploadURLLifetime: Duration = .seconds(3_600)
    /// A chunk whose body sends no byte for this long is abandoned, like a real server's read timeout: its partial bytes
    /// are dropped, the upload accepts that chunk again, and the connection is closed. Without it, a client cut off
    /// mid-chunk (no FIN, no RST) would hold the upload busy forever.
    public var uploadIdleTimeout: Duration = .seconds(30)
    /// The sliding window of the per-token rate limits (20 creator_info, 6 init, 6 inbox init, 30 status).
    public var rateLimitWindow: Duration = .seconds(60)
    /// Posts per creator per rolling ``postCapWindow`` when a creator sets no cap of its own.
    public var defaultDailyPostCap: Int = 15
    /// PULL_FROM_URL: URL prefixes whose ownership counts as verified (`https://host/path/`).
    public var verifiedURLPrefixes: [String] = []
    /// Allow `http://` (and IP-address hosts) in pull URLs: for loopback tests only.
    public var allowInsecurePull: Bool = false
    /// JSON file holding creators, tokens, codes and posts across restarts; `nil` keeps everything in memory.
    public var stateFile: String? = nil

    /// How long an authorization code may be exchanged (TikTok: 10 minutes).
    public var authorizationCodeLifetime: Duration = .seconds(600)
    /// The rolling window of the daily post cap, the unaudited user cap and the pending-share cap.
    public var postCapWindow: Duration = .seconds(86_400)
    /// Distinct creators an unaudited client may post for per ``postCapWindow``.
    public var unauditedActiveUserCap: Int = 5
    /// Pending inbox drafts per creator per ``postCapWindow`` (`spam_risk_too_many_pending_share`).
    public var pendingShareCap: Int = 5
    /// A PULL_FROM_URL download still running after this ends as `video_pull_failed`.
    public var pullTimeout: Duration = .seconds(3_600)
    /// Start with one public demo creator when the state is empty, so the authorize page has someone to pick.
    public var seedsDemoCreator: Bool = true
    /// How often changed state is written to ``stateFile`` (it is also written at shutdown).
    public var stateWriteInterval: Duration = .milliseconds(250)
    /// The wall clock every expiry, window and processing time is measured on (default: the system's). Tests pass a
    /// clock they advance themselves, so an hour-long window can end without waiting; state and tokens persist across
    /// restarts, so times are dates.
    public var clock: @Sendable () -> Date = { Date() }

    /// The defaults above.
    public init() {}
}
