/// A Content Posting API error (reference §4.2): the `error.code`, the HTTP status it travels with, and the message.
struct PostingError: Error, Sendable, Equatable {
    var code: String
    var status: Int
    var message: String

    static func invalidParam(_ message: String) -> Self { .init(code: "invalid_param", status: 400, message: message) }
    static let accessTokenInvalid = Self(
        code: "access_token_invalid", status: 401, message: "The access token is invalid or not found in the request.")
    static let scopeNotAuthorized = Self(
        code: "scope_not_authorized", status: 401, message: "The user did not authorize the scope required for completing this request.")
    static let rateLimitExceeded = Self(
        code: "rate_limit_exceeded", status: 429, message: "The API rate limit was exceeded. Please try again later.")
    static let invalidPublishID = Self(code: "invalid_publish_id", status: 400, message: "The publish_id does not exist.")
    static let notOwner = Self(
        code: "token_not_authorized_for_specified_publish_id", status: 400,
        message: "The access token is not authorized to access the specified publish_id.")
    static let notCancellable = Self(
        code: "publish_not_cancellable", status: 400, message: "The publish task is already final or cannot be cancelled.")
    static let privacyMismatch = Self(
        code: "privacy_level_option_mismatch", status: 403,
        message: "privacy_level is missing or not one of the creator's privacy_level_options.")
    static let urlOwnershipUnverified = Self(
        code: "url_ownership_unverified", status: 403, message: "The video_url is not under a verified domain or URL prefix.")
    static let unauditedPublicAccount = Self(
        code: "unaudited_client_can_only_post_to_private_accounts", status: 403,
        message: "Unaudited clients can only post to private accounts.")
    static let tooManyPosts = Self(
        code: "spam_risk_too_many_posts", status: 403, message: "The creator has reached the daily post cap for API clients.")
    static let tooManyPendingShares = Self(
        code: "spam_risk_too_many_pending_share", status: 403, message: "The creator has too many pending shares in the last 24 hours.")
    static let activeUserCap = Self(
        code: "reached_active_user_cap", status: 403, message: "The client has reached its daily quota of active publishing users.")
    static let internalError = Self(code: "internal_error", status: 500, message: "Something went wrong. Please try again later.")

    /// The HTTP status TikTok sends `code` with (reference §4.2); unknown codes are server errors.
    static func status(of code: String) -> Int {
        switch code {
        case "ok": 200
        case "access_token_invalid", "scope_not_authorized": 401
        case "rate_limit_exceeded": 429
        case "invalid_param", "invalid_params", "invalid_publish_id", "token_not_authorized_for_specified_publish_id",
            "publish_not_cancellable", "app_version_check_failed", "invalid_file_upload", "scope_permission_missed":
            400
        case "spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "spam_risk_user_banned_from_posting",
            "reached_active_user_cap", "unaudited_client_can_only_post_to_private_accounts", "url_ownership_unverified",
            "privacy_level_option_mismatch":
            403
        case "temporarily_unavailable": 503
        default: 500
        }
    }

    /// An error with `code`, its documented status, and a generic message (fault injection).
    static func forced(_ code: String) -> Self {
        .init(code: code, status: Self.status(of: code), message: "Injected by the sandbox: \(code).")
    }
}

/// An OAuth error in TikTok's flat shape (reference §1.8). TikTok does not document the HTTP statuses; the sandbox
/// uses RFC 6749's (400, 401 for `invalid_client`, 5xx for server errors), so clients must branch on `error`.
struct OAuthError: Error, Sendable, Equatable {
    var error: String
    var description: String
    var status: Int

    static func invalidRequest(_ description: String) -> Self { .init(error: "invalid_request", description: description, status: 400) }
    static func invalidGrant(_ description: String) -> Self { .init(error: "invalid_grant", description: description, status: 400) }
    static let invalidClient = Self(error: "invalid_client", description: "Client key or secret is wrong.", status: 401)
    static func unsupportedGrantType(_ grant: String) -> Self {
        .init(error: "unsupported_grant_type", description: "grant_type '\(grant)' is not supported.", status: 400)
    }

    /// An error with `code` and the status the sandbox uses for it (fault injection).
    static func forced(_ code: String) -> Self {
        let status =
            switch code {
            case "invalid_client": 401
            case "server_error": 500
            case "temporarily_unavailable": 503
            default: 400
            }
        return .init(error: code, description: "Injected by the sandbox: \(code).", status: status)
    }

    /// The `error` values of reference §1.8.
    static let knownCodes: Set<String> = [
        "access_denied", "invalid_client", "invalid_grant", "invalid_request", "invalid_scope", "unauthorized_client",
        "unsupported_grant_type", "unsupported_response_type", "server_error", "temporarily_unavailable",
    ]
}

/// An error of the sandbox's own `/_sandbox` endpoints, in Reelay's shape `{"error": {"code", "message", "details"}}`.
struct InspectionError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var details: [String: String] = [:]

    static func invalidBody(_ message: String, field: String? = nil) -> Self {
        .init(status: 400, code: "invalid_body", message: message, details: field.map { ["field": $0] } ?? [:])
    }
}
