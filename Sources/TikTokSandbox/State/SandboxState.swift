import Crypto
import Foundation

/// Everything the sandbox remembers, behind one actor: creators, codes, grants, tokens, posts, upload sessions,
/// rate windows and faults. Time is always passed in (`now:`) by the caller.
actor SandboxState {
    let configuration: SandboxConfiguration

    var creators: [String: Creator] = [:]
    var codes: [String: AuthorizationCode] = [:]
    var grants: [String: Grant] = [:]
    /// Current refresh token → grant id (a rotated-away token is removed, so it no longer works).
    var refreshIndex: [String: String] = [:]
    var accessTokens: [String: AccessToken] = [:]
    var posts: [String: PostRecord] = [:]
    var uploads: [String: UploadSession] = [:]
    /// `token|endpoint` → times of accepted calls within the window.
    var rateWindows: [String: [Date]] = [:]
    var faults: [FaultEndpoint: FaultRule] = [:]
    /// Set by every change that the state file must see.
    var dirty = false

    init(configuration: SandboxConfiguration) {
        self.configuration = configuration
    }

    // MARK: Creators

    /// Creators in creation order.
    var creatorList: [Creator] { self.creators.values.sorted { ($0.createdAt, $0.openID) < ($1.createdAt, $1.openID) } }

    /// Adds `creator` and returns it.
    func addCreator(_ creator: Creator) -> Creator {
        self.creators[creator.openID] = creator
        self.dirty = true
        return creator
    }

    /// Adds the demo creator when there is no creator at all and the configuration asks for one.
    func seedIfEmpty(now: Date) {
        guard self.configuration.seedsDemoCreator, self.creators.isEmpty else { return }
        _ = self.addCreator(CreatorDraft().creator(defaultCap: self.configuration.defaultDailyPostCap, now: now))
    }

    // MARK: Rate limits

    /// Counts one call of `endpoint` by `token` in the sliding window, or throws `rate_limit_exceeded` when `limit`
    /// calls already happened in it (rejected calls are not counted).
    func consumeRate(token: String, endpoint: String, limit: Int, now: Date) throws(PostingError) {
        let key = token + "|" + endpoint
        let windowStart = now.addingTimeInterval(-self.configuration.rateLimitWindow.timeInterval)
        var calls = (self.rateWindows[key] ?? []).filter { $0 > windowStart }
        guard calls.count < limit else {
            self.rateWindows[key] = calls
            throw .rateLimitExceeded
        }
        calls.append(now)
        self.rateWindows[key] = calls
    }

    // MARK: Persistence

    /// The persistent part of the state when it changed since the last call, else `nil`.
    func takeSnapshotIfDirty(now: Date) -> StateSnapshot? {
        guard self.dirty else { return nil }
        self.dirty = false
        return self.snapshot(now: now)
    }

    /// The persistent part of the state.
    func snapshot(now: Date) -> StateSnapshot {
        StateSnapshot(
            savedAt: now, creators: self.creatorList, codes: self.codes, grants: self.grants, accessTokens: self.accessTokens,
            posts: self.posts.values.sorted { ($0.createdAt, $0.publishID) < ($1.createdAt, $1.publishID) })
    }

    /// Replaces the state with `snapshot`. Transfers cannot resume across a restart: unfinished pulls end as
    /// `video_pull_failed`; unfinished uploads lose their session (their `upload_url` answers 404).
    func restore(_ snapshot: StateSnapshot) {
        self.creators = Dictionary(snapshot.creators.map { ($0.openID, $0) }, uniquingKeysWith: { $1 })
        self.codes = snapshot.codes
        self.grants = snapshot.grants
        self.refreshIndex = Dictionary(snapshot.grants.map { ($0.value.refreshToken, $0.key) }, uniquingKeysWith: { $1 })
        self.accessTokens = snapshot.accessTokens
        self.posts = [:]
        for var post in snapshot.posts {
            if post.source == .pullFromURL, post.transferCompletedAt == nil, post.transferFailure == nil {
                post.transferFailure = FailReason.videoPullFailed
            }
            self.posts[post.publishID] = post
        }
    }
}

/// The `fail_reason` values the sandbox produces by itself (reference §2.9).
enum FailReason {
    static let fileFormatCheckFailed = "file_format_check_failed"
    static let videoPullFailed = "video_pull_failed"
    static let publishCancelled = "publish_cancelled"
    static let known: Set<String> = [
        "file_format_check_failed", "duration_check_failed", "frame_rate_check_failed", "picture_size_check_failed", "internal",
        "video_pull_failed", "photo_pull_failed", "publish_cancelled", "auth_removed", "spam_risk_too_many_posts",
        "spam_risk_user_banned_from_posting", "spam_risk_text", "spam_risk",
    ]
}

/// An open `upload_url`: the running hash of the bytes so far, never the bytes.
struct UploadSession: Sendable {
    var publishID: String
    var token: String
    var expiresAt: Date
    var hasher: SHA256
    /// A chunk is being received; another PUT meanwhile is out of order (416).
    var busy: Bool
}

/// The JSON written to the state file.
struct StateSnapshot: Codable, Sendable {
    var version = 1
    var savedAt: Date
    var creators: [Creator]
    var codes: [String: AuthorizationCode]
    var grants: [String: Grant]
    var accessTokens: [String: AccessToken]
    var posts: [PostRecord]
}
