import Testing
import TikTok

@Suite struct ClassificationTests {
    @Test(arguments: [
        // Transient.
        ("internal_error", Classification.transient), ("server_error", .transient), ("temporarily_unavailable", .transient),
        ("timeout", .transient), ("network", .transient), ("malformed_response", .transient), ("response_too_large", .transient),
        ("unexpected_redirect", .transient), ("upload_range_mismatch", .transient), ("upload_url_expired", .transient),
        ("upload_not_found", .transient),
        // Throttled.
        ("rate_limit_exceeded", .throttled),
        // Account.
        ("access_token_invalid", .account(.needsReauth)), ("scope_not_authorized", .account(.scopeNotGranted)),
        ("spam_risk_too_many_posts", .account(.cooldown)), ("spam_risk_user_banned_from_posting", .account(.restricted)),
        ("reached_active_user_cap", .account(.clientCapReached)), ("spam_risk_too_many_pending_share", .account(.tooManyPendingDrafts)),
        ("invalid_grant", .account(.needsReconnect)), ("access_denied", .account(.needsReconnect)),
        // Permanent.
        ("invalid_param", .permanent), ("invalid_params", .permanent), ("privacy_level_option_mismatch", .permanent),
        ("unaudited_client_can_only_post_to_private_accounts", .permanent), ("url_ownership_unverified", .permanent),
        ("invalid_publish_id", .permanent), ("token_not_authorized_for_specified_publish_id", .permanent),
        ("invalid_client", .permanent), ("unauthorized_client", .permanent), ("invalid_scope", .permanent),
        ("unsupported_grant_type", .permanent), ("invalid_file_upload", .permanent), ("upload_rejected", .permanent),
        ("invalid_chunk_plan", .permanent), ("scope_permission_missed", .permanent), ("app_version_check_failed", .permanent),
    ])
    func everyDocumentedCodeHasItsClass(code: String, expected: Classification) {
        #expect(TikTokError(TikTokError.Code(rawValue: code), httpStatus: 400).classification == expected)
    }

    @Test func unknownCodesFollowTheirStatus() {
        #expect(Classification.of("brand_new_code", httpStatus: 502) == .transient)
        #expect(Classification.of("brand_new_code", httpStatus: 429) == .throttled)
        #expect(Classification.of("brand_new_code", httpStatus: 400) == .permanent)
        #expect(Classification.of("brand_new_code") == .permanent)
    }

    @Test(arguments: [
        ("file_format_check_failed", Classification.permanent), ("duration_check_failed", .permanent),
        ("frame_rate_check_failed", .permanent), ("picture_size_check_failed", .permanent), ("internal", .transient),
        ("video_pull_failed", .transient), ("photo_pull_failed", .transient), ("publish_cancelled", .permanent),
        ("auth_removed", .account(.needsReconnect)), ("spam_risk_too_many_posts", .account(.cooldown)),
        ("spam_risk_user_banned_from_posting", .account(.restricted)), ("spam_risk_text", .permanent), ("spam_risk", .permanent),
        ("something_new", .permanent),
    ])
    func failReasonsHaveTheirClass(reason: String, expected: Classification) {
        #expect(Classification.ofFailReason(reason) == expected)
    }

    @Test func suggestedDelays() {
        #expect(TikTokError(.rateLimitExceeded).suggestedDelay == .seconds(60))
        #expect(TikTokError(.spamRiskTooManyPosts).suggestedDelay! >= .seconds(3600))
        #expect(TikTokError(.reachedActiveUserCap).suggestedDelay == .seconds(86400))
        #expect(TikTokError(.internalError).suggestedDelay == nil)
        #expect(TikTokError(.uploadURLExpired).requiresNewPublish && !TikTokError(.uploadRangeMismatch).requiresNewPublish)
    }
}
