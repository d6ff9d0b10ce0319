public import Foundation

/// One recorded change of a post (a row of `post_events`), for history and audit.
public struct PostEvent: Sendable, Hashable, Identifiable {
    /// Event names written by Domain; the result recorder adds its own (`post.completed`, …).
    public enum Name {
        /// The post row was created.
        public static let created = "post.created"
        /// The post was handed to the job queue.
        public static let queued = "post.queued"
        /// A user retried a failed or cancelled post.
        public static let retried = "post.retried"
        /// A user cancelled the post.
        public static let cancelled = "post.cancelled"
    }

    /// Increasing: orders a post's events.
    public var id: Int64
    /// The post.
    public var postID: UUID
    /// What happened, `[a-z_.]{1,64}`, e.g. `post.retried`.
    public var event: String
    /// The status before, if the event changed it.
    public var fromStatus: PostStatus?
    /// The status after, if the event changed it.
    public var toStatus: PostStatus?
    /// The attempt the event belongs to, if any.
    public var attempt: Int?
    /// Event-specific facts (error code, publish id, …).
    public var detail: [String: JSONValue]
    /// Who caused it (`api_key:<id>`, `recorder`, …), if known.
    public var actor: String?
    /// The Redis stream entry that carried it, for events from workers.
    public var streamID: String?
    /// When it happened.
    public var occurredAt: Date

    /// An event with every field given.
    public init(
        id: Int64, postID: UUID, event: String, fromStatus: PostStatus?, toStatus: PostStatus?, attempt: Int?, detail: [String: JSONValue],
        actor: String?, streamID: String?, occurredAt: Date
    ) {
        self.id = id
        self.postID = postID
        self.event = event
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.attempt = attempt
        self.detail = detail
        self.actor = actor
        self.streamID = streamID
        self.occurredAt = occurredAt
    }
}
