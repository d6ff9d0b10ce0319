extension Classification {
    /// The class of an error code, with its HTTP status for codes TikTok does not document.
    ///
    /// Unknown codes (TikTok may add some): a 5xx status is `transient`, 429 is `throttled`, anything else `permanent`
    /// — JUDGMENT: retrying what we do not understand could spend the creator's daily cap, so we stop instead.
    public static func of(_ code: TikTokError.Code, httpStatus: Int? = nil) -> Classification {
        if let known = Self.table[code] { return known }
        switch httpStatus {
        case .some(500...599): return .transient
        case .some(429): return .throttled
        default: return .permanent
        }
    }

    /// The class of a `fail_reason` from `status/fetch` or the `post.publish.failed` webhook (reference §2.9).
    ///
    /// Only `internal`, `video_pull_failed` and `photo_pull_failed` are worth retrying, and a retry means a **new init**
    /// (new `publish_id`), never reusing the failed one (§4.3). Unknown reasons are `permanent`: never re-post blindly.
    public static func ofFailReason(_ reason: String) -> Classification {
        switch reason {
        case "internal", "video_pull_failed", "photo_pull_failed": .transient
        case "auth_removed": .account(.needsReconnect)
        case "spam_risk_too_many_posts": .account(.cooldown)
        case "spam_risk_user_banned_from_posting": .account(.restricted)
        default: .permanent  // media checks, publish_cancelled, spam_risk_text, spam_risk, and anything new
        }
    }

    /// Every documented code with its class (reference §1.8 OAuth, §4.2 Content Posting, plus Reelay's codes).
    static let table: [TikTokError.Code: Classification] = [
        // Retry with backoff.
        .internalError: .transient, .serverError: .transient, .temporarilyUnavailable: .transient,
        .timeout: .transient, .network: .transient, .malformedResponse: .transient, .responseTooLarge: .transient,
        .unexpectedRedirect: .transient, .uploadRangeMismatch: .transient,
        // A new init is needed (see TikTokError.requiresNewPublish); the publish itself may still succeed.
        .uploadURLExpired: .transient, .uploadNotFound: .transient,
        // Wait the window; no attempt used.
        .rateLimitExceeded: .throttled,
        // Account state.
        .accessTokenInvalid: .account(.needsReauth), .invalidGrant: .account(.needsReconnect),
        .accessDenied: .account(.needsReconnect), .scopeNotAuthorized: .account(.scopeNotGranted),
        .spamRiskTooManyPosts: .account(.cooldown), .spamRiskUserBannedFromPosting: .account(.restricted),
        .reachedActiveUserCap: .account(.clientCapReached), .spamRiskTooManyPendingShare: .account(.tooManyPendingDrafts),
        // Retrying cannot help.
        .invalidParam: .permanent, .invalidParams: .permanent, .scopePermissionMissed: .permanent,
        .invalidFileUpload: .permanent, .appVersionCheckFailed: .permanent, .invalidPublishID: .permanent,
        .tokenNotAuthorizedForPublishID: .permanent, .publishNotCancellable: .permanent,
        .unauditedClientCanOnlyPostToPrivateAccounts: .permanent, .urlOwnershipUnverified: .permanent,
        .privacyLevelOptionMismatch: .permanent, .invalidClient: .permanent, .invalidRequest: .permanent,
        .invalidScope: .permanent, .unauthorizedClient: .permanent, .unsupportedGrantType: .permanent,
        .unsupportedResponseType: .permanent, .uploadRejected: .permanent, .invalidChunkPlan: .permanent,
        .fileUnreadable: .permanent, .invalidArgument: .permanent, .clientShutDown: .transient,
    ]
}
