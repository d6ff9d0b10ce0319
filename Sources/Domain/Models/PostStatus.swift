/// Where a post is in its life (the `posts.status` column).
///
/// `pending`/`scheduled` → `queued` (committed before the Redis push) → `running` → `completed`, or `retrying` →
/// `running` again, or `failed`; `unconfirmed` when TikTok's answer is unknown; `scheduled` → `missed` when its time passed
/// while no scheduler ran (misfire policy). A user can cancel any post that is not finished and retry a failed, cancelled
/// or missed one.
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
    /// Its run time passed while no scheduler ran, by more than the misfire window (see the post's error message).
    case missed

    /// `completed`, `failed`, `cancelled` and `missed`: nothing more happens unless a user retries it.
    public var isTerminal: Bool { Self.terminal.contains(self) }

    /// The finished statuses.
    public static let terminal: Set<PostStatus> = [.completed, .failed, .cancelled, .missed]

    /// The statuses of posts that are not finished, as `posts.status` texts (for SQL `= ANY(...)`).
    static let activeTexts: [String] = PostStatus.allCases.filter { !$0.isTerminal }.map(\.rawValue)
}
