/// Where a post is in its life (the `posts.status` column).
///
/// `pending`/`scheduled` → `queued` (committed before the Redis push) → `running` → `completed`, or `retrying` →
/// `running` again, or `failed`; `unconfirmed` when TikTok's answer is unknown. A user can cancel any post that is not
/// finished and retry a failed or cancelled one.
public enum PostStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created, not yet planned.
    case pending
    /// Waiting for its run time.
    case scheduled
    /// Handed to the job queue.
    case queued
    /// A worker is publishing it.
    case running
    /// Failed an attempt; another is planned.
    case retrying
    /// Published, but TikTok has not confirmed the outcome.
    case unconfirmed
    /// Published.
    case completed
    /// Gave up (see the post's error code).
    case failed
    /// Stopped by a user.
    case cancelled

    /// `completed`, `failed` and `cancelled`: nothing more happens unless a user retries it.
    public var isTerminal: Bool { Self.terminal.contains(self) }

    /// The finished statuses.
    public static let terminal: Set<PostStatus> = [.completed, .failed, .cancelled]

    /// The statuses of posts that are not finished, as `posts.status` texts (for SQL `= ANY(...)`).
    static let activeTexts: [String] = PostStatus.allCases.filter { !$0.isTerminal }.map(\.rawValue)
}
