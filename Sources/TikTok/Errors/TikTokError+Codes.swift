// The codes Reelay knows: TikTok's own (reference §1.8, §4.2) and Reelay's (transport, parsing, upload, planning).

extension TikTokError.Code {
    // MARK: TikTok Content Posting / v2 (`error.code`)

    /// Success marker of the v2 envelope; never thrown.
    public static let ok: Self = "ok"
    /// The access token is missing, invalid or expired (401): refresh once, then retry.
    public static let accessTokenInvalid: Self = "access_token_invalid"
    /// The user did not grant the scope this endpoint needs (401).
    public static let scopeNotAuthorized: Self = "scope_not_authorized"
    /// Fields need extra scopes (400).
    public static let scopePermissionMissed: Self = "scope_permission_missed"
    /// A request field is invalid (400; the init endpoints spell it singular).
    public static let invalidParam: Self = "invalid_param"
    /// A request field is invalid (400; the generic v2 spelling).
    public static let invalidParams: Self = "invalid_params"
    /// The uploaded file violates the spec (400).
    public static let invalidFileUpload: Self = "invalid_file_upload"
    /// The user's TikTok app is too old for inbox photo uploads (400).
    public static let appVersionCheckFailed: Self = "app_version_check_failed"
    /// Unknown `publish_id` (400).
    public static let invalidPublishID: Self = "invalid_publish_id"
    /// This token does not own that `publish_id` (400).
    public static let tokenNotAuthorizedForPublishID: Self = "token_not_authorized_for_specified_publish_id"
    /// The publish is already final and cannot be cancelled (400).
    public static let publishNotCancellable: Self = "publish_not_cancellable"
    /// The creator's daily API post cap is reached (403; 200 on creator_info).
    public static let spamRiskTooManyPosts: Self = "spam_risk_too_many_posts"
    /// More than 5 pending inbox drafts in 24 h (403).
    public static let spamRiskTooManyPendingShare: Self = "spam_risk_too_many_pending_share"
    /// The creator is banned from posting (403; 200 on creator_info).
    public static let spamRiskUserBannedFromPosting: Self = "spam_risk_user_banned_from_posting"
    /// Our client's daily quota of active creators is used (403; 200 on creator_info).
    public static let reachedActiveUserCap: Self = "reached_active_user_cap"
    /// An unaudited client tried to post to a public account (403).
    public static let unauditedClientCanOnlyPostToPrivateAccounts: Self = "unaudited_client_can_only_post_to_private_accounts"
    /// The pull URL is not under a verified domain or prefix (403).
    public static let urlOwnershipUnverified: Self = "url_ownership_unverified"
    /// `privacy_level` missing or not among the creator's options (403).
    public static let privacyLevelOptionMismatch: Self = "privacy_level_option_mismatch"
    /// Over the per-minute limit (429): wait at least 60 s.
    public static let rateLimitExceeded: Self = "rate_limit_exceeded"
    /// TikTok-side failure (5xx; also used when a 5xx reply carries no code).
    public static let internalError: Self = "internal_error"

    // MARK: OAuth (`error`)

    /// The user refused consent.
    public static let accessDenied: Self = "access_denied"
    /// Client key or secret wrong.
    public static let invalidClient: Self = "invalid_client"
    /// Code or refresh token invalid, expired, revoked or issued to another client.
    public static let invalidGrant: Self = "invalid_grant"
    /// The OAuth request is malformed.
    public static let invalidRequest: Self = "invalid_request"
    /// A requested scope is unknown or not approved for the app.
    public static let invalidScope: Self = "invalid_scope"
    /// The app may not use this grant.
    public static let unauthorizedClient: Self = "unauthorized_client"
    /// Grant type not supported.
    public static let unsupportedGrantType: Self = "unsupported_grant_type"
    /// Response type not supported.
    public static let unsupportedResponseType: Self = "unsupported_response_type"
    /// OAuth server failure: retry with backoff.
    public static let serverError: Self = "server_error"
    /// OAuth server overloaded: retry with backoff.
    public static let temporarilyUnavailable: Self = "temporarily_unavailable"

    // MARK: Reelay's own

    /// The reply was not what the API documents (not JSON, wrong content type, fields missing).
    public static let malformedResponse: Self = "malformed_response"
    /// The reply body was larger than ``TikTokConfiguration/maxResponseBytes``.
    public static let responseTooLarge: Self = "response_too_large"
    /// The server answered with a redirect, which Reelay never follows.
    public static let unexpectedRedirect: Self = "unexpected_redirect"
    /// No complete reply within the deadline.
    public static let timeout: Self = "timeout"
    /// Connecting, sending or receiving failed (refused, reset, closed mid-reply, TLS).
    public static let network: Self = "network"
    /// Upload PUT 416: our `Content-Range` does not match TikTok's recorded progress (see ``TikTokError/receivedBytes``).
    public static let uploadRangeMismatch: Self = "upload_range_mismatch"
    /// Upload PUT 403: the `upload_url` expired (1 h after init); only a new init helps.
    public static let uploadURLExpired: Self = "upload_url_expired"
    /// Upload PUT 404: TikTok has no upload task for this URL; only a new init helps.
    public static let uploadNotFound: Self = "upload_not_found"
    /// Upload PUT 400 (malformed headers, length mismatch) or another status TikTok does not document for PUT.
    public static let uploadRejected: Self = "upload_rejected"
    /// Sizes that break TikTok's chunk rules, or a chunk index outside the plan.
    public static let invalidChunkPlan: Self = "invalid_chunk_plan"
    /// The local video file is missing, unreadable, or not the size the plan says.
    public static let fileUnreadable: Self = "file_unreadable"
    /// An argument Reelay can tell is wrong before sending (a bad URL, an empty token).
    public static let invalidArgument: Self = "invalid_argument"
    /// The client was shut down.
    public static let clientShutDown: Self = "client_shut_down"
}
