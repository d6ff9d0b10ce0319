/// Why a token refresh (or reading a stored token) did not give a usable access token. The code is stable (the API
/// answers it as the error code of a 409, or of a 502 for ``Code/tiktokUnavailable``); the message is for people and
/// never holds a token.
public struct TokenRefreshError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable, Hashable {
        /// The account is disabled: nothing is refreshed for it.
        case accountDisabled = "account_disabled"
        /// The account has no stored tokens (or no refresh token).
        case noTokens = "no_tokens"
        /// A stored token does not decrypt with the configured keys.
        case tokenUnreadable = "token_unreadable"
        /// Another refresh of the account held the lock for longer than this caller would wait.
        case refreshInProgress = "refresh_in_progress"
        /// TikTok refused the refresh token: the account is now `needs_reauth`.
        case needsReauth = "needs_reauth"
        /// TikTok failed or could not be reached; nothing was changed.
        case tiktokUnavailable = "tiktok_unavailable"
    }

    /// What went wrong.
    public var code: Code
    /// For people: what happened and what to do.
    public var message: String

    /// An error with `code` and `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "TokenRefreshError(\(self.code.rawValue)): \(self.message)" }
}
