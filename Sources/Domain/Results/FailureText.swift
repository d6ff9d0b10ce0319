import Foundation

/// Reads a worker's failure message (a results stream entry's `error` field) without knowing the TikTok module: the
/// stable error codes are plain words in the text.
///
/// The shapes seen in practice: a permanent failure is `<code>: <message>` (`PermanentJobError`, for example
/// `spam_risk_too_many_posts: TikTok failed the publish: spam_risk_too_many_posts`); a transient TikTok failure is the
/// error's description, `TikTokError(code: <code>, status: 503, log_id: …)`; other failures are free text
/// (`timed out after 30 seconds`, the lease recoverer's stall message).
public enum FailureText {
    /// The `error_code` a failed post gets when the text carries no code.
    public static let fallbackCode = "job_dead"

    /// What a failure says about the account that made the post.
    public enum AccountEffect: Int, Sendable, Hashable, Comparable {
        /// TikTok is throttling the creator (daily post cap, too many pending drafts): `cooldown` for a while.
        case cooldown = 1
        /// The token is refused, revoked or lacks a scope: `needs_reauth`, the owner must connect again.
        case needsReauth = 2
        /// TikTok bars the creator from posting: `restricted`, an operator must look.
        case restricted = 3

        /// The `accounts.status` value.
        public var status: String {
            switch self {
            case .cooldown: "cooldown"
            case .needsReauth: "needs_reauth"
            case .restricted: "restricted"
            }
        }

        public static func < (lhs: AccountEffect, rhs: AccountEffect) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Each code that says something about the account, with what it says: TikTok's codes and the worker's own
    /// (`account_needs_reauth`, `account_cooldown`, `account_restricted` when a job meets an account hold).
    static let effects: [String: AccountEffect] = {
        var table: [String: AccountEffect] = [:]
        for code in [
            "access_token_invalid", "scope_not_authorized", "invalid_grant", "access_denied", "auth_removed", "needs_reauth",
            "account_needs_reauth", "needs_reconnect", "scope_not_granted",
        ] { table[code] = .needsReauth }
        for code in ["spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "account_cooldown"] { table[code] = .cooldown }
        for code in ["spam_risk_user_banned_from_posting", "account_restricted"] { table[code] = .restricted }
        return table
    }()

    /// The error code the text starts with (`<code>: …`) or names (`code: <code>`); `nil` when it has none.
    public static func code(in text: String) -> String? {
        if let colon = text.firstIndex(of: ":"), Self.isCode(text[..<colon]) { return String(text[..<colon]) }
        if let range = text.range(of: "code: ") {
            let rest = text[range.upperBound...]
            let word = rest.prefix { $0 != "," && $0 != ")" && $0 != " " }
            if Self.isCode(word) { return String(word) }
        }
        return nil
    }

    /// The strongest account effect any code word of the text has (`restricted` over `needs_reauth` over `cooldown`),
    /// with the code that shows it.
    public static func accountEffect(of text: String) -> (effect: AccountEffect, code: String)? {
        var strongest: (effect: AccountEffect, code: String)?
        for word in Self.words(text) {
            guard let effect = Self.effects[word] else { continue }
            if let known = strongest, known.effect >= effect { continue }
            strongest = (effect, word)
        }
        return strongest
    }

    /// The lowercase words of `[a-z0-9_]` in the text.
    static func words(_ text: String) -> [String] {
        text.split { !(($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_") }.map(String.init)
    }

    /// 1 to 64 of `a-z 0-9 _ .`, starting with a letter.
    static func isCode(_ text: Substring) -> Bool {
        guard let first = text.first, first >= "a", first <= "z", text.count <= 64 else { return false }
        return text.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "." }
    }
}
