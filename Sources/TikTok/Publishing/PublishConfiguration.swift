/// How the publish pipeline paces itself. Defaults follow TikTok's documented limits (reference §3.1) and its timing
/// guidance (§2.9); tests shrink the delays.
public struct PublishConfiguration: Sendable {
    /// The folder every `media_path` is resolved in; nothing outside it is read.
    public var mediaRoot: String
    /// `video/init` and `inbox/video/init` per access token per window.
    public var initsPerWindow = 6
    /// `creator_info/query` per access token per window.
    public var creatorInfoPerWindow = 20
    /// `status/fetch` per access token per window.
    public var statusPerWindow = 30
    /// The rate-limit window.
    public var rateWindow: Duration = .seconds(60)
    /// First status poll after the upload (or pull init), then doubling up to ``maximumPollDelay``.
    public var firstPollDelay: Duration = .seconds(5)
    /// Longest wait between two polls while confirming.
    public var maximumPollDelay: Duration = .seconds(60)
    /// After this long without a final status, the post is `unconfirmed` and checked every ``recheckInterval``.
    public var confirmationDeadline: Duration = .seconds(30 * 60)
    /// Slow-lane polling of an unconfirmed post.
    public var recheckInterval: Duration = .seconds(10 * 60)
    /// How long to wait before looking again when the account has no usable access token.
    public var tokenWait: Duration = .seconds(30)
    /// After this long without a usable token, the post fails with `account_needs_reauth`.
    public var tokenGiveUp: Duration = .seconds(3600)
    /// An upload URL older than this is not used again (TikTok kills it after 1 h): the run asks `status/fetch`, and
    /// starts a new publish only when TikTok holds no byte of the old one (or reports it failed).
    public var uploadURLLifetime: Duration = .seconds(55 * 60)
    /// Called at each ``PublishStep``; crash tests kill the process there. Does nothing by default.
    public var stepHook: @Sendable (PublishStep) -> Void = { _ in }

    /// A configuration reading media under `mediaRoot`.
    public init(mediaRoot: String) { self.mediaRoot = mediaRoot }
}
