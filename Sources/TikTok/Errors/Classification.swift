/// What a worker does about a failure (architecture.md, "Publishing a post", step 7; reference §1.8, §2.9, §4.2).
public enum Classification: Sendable, Hashable, CustomStringConvertible {
    /// Retry with backoff: 5xx, timeouts, network errors, malformed or hostile replies, `server_error`,
    /// `temporarily_unavailable`, an upload `Content-Range` mismatch (resync first).
    case transient
    /// Over a rate limit: wait at least ``suggestedDelay`` (60 s); the attempt does not count.
    case throttled
    /// The account (or the whole client) cannot post now; the account's other jobs wait or stop.
    case account(AccountReason)
    /// Retrying cannot help: fail the post (invalid parameters, privacy mismatch, media rejected, client misconfigured).
    case permanent

    /// Why an account cannot post now.
    public enum AccountReason: String, Sendable, Hashable {
        /// `access_token_invalid`: refresh the token first; if refreshing fails with `invalid_grant`, reconnect.
        case needsReauth = "needs_reauth"
        /// `invalid_grant` on refresh, `auth_removed`, `access_denied`: the owner must connect the account again.
        case needsReconnect = "needs_reconnect"
        /// `scope_not_authorized`: the owner did not grant the scope; reconnect with it.
        case scopeNotGranted = "scope_not_granted"
        /// `spam_risk_too_many_posts`: the creator's rolling 24 h cap is used; cool down for hours.
        case cooldown
        /// `spam_risk_user_banned_from_posting`: TikTok bars this creator from posting; do not retry.
        case restricted
        /// `reached_active_user_cap`: our client's daily quota of active creators is used: defer client-wide, alert.
        case clientCapReached = "client_cap_reached"
        /// `spam_risk_too_many_pending_share`: 5 inbox drafts wait on the creator; defer until they act.
        case tooManyPendingDrafts = "too_many_pending_drafts"
    }

    /// The wait TikTok's documentation implies before trying again, or nil where it gives none (use the retry policy).
    ///
    /// JUDGMENT: the reference says "hours" for the post cap and pending drafts and "24 h" for the client cap; we pick
    /// 6 h, 6 h and 24 h — conservative, so Reelay never discovers a cap by hammering it.
    public var suggestedDelay: Duration? {
        switch self {
        case .throttled: .seconds(60)
        case .account(.cooldown), .account(.tooManyPendingDrafts): .seconds(6 * 3600)
        case .account(.clientCapReached): .seconds(24 * 3600)
        case .transient, .permanent, .account: nil
        }
    }

    public var description: String {
        switch self {
        case .transient: "transient"
        case .throttled: "throttled"
        case .account(let reason): "account(\(reason.rawValue))"
        case .permanent: "permanent"
        }
    }
}
