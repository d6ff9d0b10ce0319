import Foundation

/// One `POST /_sandbox/faults` body; fields left out keep their current value.
///
/// ```json
/// { "endpoint": "video_init",
///   "error_rate": 0.5, "error_status": 503, "latency_ms": 200,
///   "force_error": { "open_id": "sbx-…", "code": "spam_risk_user_banned_from_posting" },
///   "fail_reason": { "open_id": "sbx-…", "reason": "internal" },
///   "drop_responses": 1, "drop_mode": "close", "drop_hold_ms": 3000 }
/// ```
/// `force_error` without `open_id` applies to every creator; `"code": null` removes it. `fail_reason` is for
/// `"endpoint": "status"` only and makes publishes that finish processing end `FAILED` with that reason.
struct FaultChange: Decodable, Sendable {
    struct ForcedError: Decodable, Sendable {
        var openID: String?
        var code: String?
        enum CodingKeys: String, CodingKey { case openID = "open_id", code }
    }
    struct InjectedFailure: Decodable, Sendable {
        var openID: String?
        var reason: String?
        enum CodingKeys: String, CodingKey { case openID = "open_id", reason }
    }

    var endpoint: FaultEndpoint
    var errorRate: Double?
    var errorStatus: Int?
    var latencyMs: Int?
    var forceError: ForcedError?
    var failReason: InjectedFailure?
    var dropResponses: Int?
    var dropMode: DropMode?
    var dropHoldMs: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, errorRate = "error_rate", errorStatus = "error_status", latencyMs = "latency_ms", forceError = "force_error"
        case failReason = "fail_reason", dropResponses = "drop_responses", dropMode = "drop_mode", dropHoldMs = "drop_hold_ms"
    }

    /// Checks ranges and codes; the error names the field.
    func validate() throws(InspectionError) {
        if let rate = self.errorRate, !(0...1).contains(rate) { throw .invalidBody("error_rate must be from 0 to 1", field: "error_rate") }
        if let status = self.errorStatus, ![500, 503].contains(status) { throw .invalidBody("error_status must be 500 or 503", field: "error_status") }
        if let latency = self.latencyMs, !(0...60_000).contains(latency) { throw .invalidBody("latency_ms must be from 0 to 60000", field: "latency_ms") }
        if let drops = self.dropResponses, !(0...1000).contains(drops) { throw .invalidBody("drop_responses must be from 0 to 1000", field: "drop_responses") }
        if let hold = self.dropHoldMs, !(0...60_000).contains(hold) { throw .invalidBody("drop_hold_ms must be from 0 to 60000", field: "drop_hold_ms") }
        if let code = self.forceError?.code {
            switch self.endpoint {
            case .upload: throw .invalidBody("upload answers plain HTTP statuses: use error_rate", field: "force_error")
            case .token, .revoke:
                guard OAuthError.knownCodes.contains(code) else { throw .invalidBody("unknown OAuth error '\(code)'", field: "force_error.code") }
            default:
                guard Self.postingCodes.contains(code) else { throw .invalidBody("unknown error code '\(code)'", field: "force_error.code") }
            }
        }
        if let failure = self.failReason {
            guard self.endpoint == .status else { throw .invalidBody("fail_reason needs \"endpoint\": \"status\"", field: "fail_reason") }
            if let reason = failure.reason, !FailReason.known.contains(reason) {
                throw .invalidBody("unknown fail_reason '\(reason)'", field: "fail_reason.reason")
            }
        }
    }

    /// Writes the given fields into `rule`.
    func apply(to rule: inout FaultRule) {
        if let value = self.errorRate { rule.errorRate = value }
        if let value = self.errorStatus { rule.errorStatus = value }
        if let value = self.latencyMs { rule.latencyMs = value }
        if let forced = self.forceError { rule.forcedErrors[forced.openID ?? "*"] = forced.code }
        if let failure = self.failReason { rule.failReasons[failure.openID ?? "*"] = failure.reason }
        if let value = self.dropResponses { rule.dropResponses = value }
        if let value = self.dropMode { rule.dropMode = value }
        if let value = self.dropHoldMs { rule.dropHoldMs = value }
    }

    /// The Content Posting error codes of reference §4.2 (besides `ok`).
    static let postingCodes: Set<String> = [
        "access_token_invalid", "scope_not_authorized", "scope_permission_missed", "invalid_params", "invalid_param",
        "invalid_file_upload", "app_version_check_failed", "invalid_publish_id", "token_not_authorized_for_specified_publish_id",
        "publish_not_cancellable", "spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "spam_risk_user_banned_from_posting",
        "reached_active_user_cap", "unaudited_client_can_only_post_to_private_accounts", "url_ownership_unverified",
        "privacy_level_option_mismatch", "rate_limit_exceeded", "internal_error",
    ]
}
