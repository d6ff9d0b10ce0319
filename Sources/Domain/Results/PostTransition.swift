/// What one result event does to its post: the rule that keeps a post's status right when events arrive twice, late
/// or out of order (several recorders share a stream, and an entry a dead recorder left pending is claimed later).
///
/// The rule, in order:
/// 1. **Stream order wins.** Every post remembers the stream entry id of the last event that changed it
///    (`posts.last_result_id`). An event at or before that id is *stale*: an older entry delivered after a newer one.
///    It changes nothing; it is kept in the history (`to_status` NULL, `detail.ignored = "stale"`).
/// 2. **Terminal states stay.** `completed`, `failed` and `cancelled` are left only by an explicit retry, which the API
///    performs by setting the post back to `queued` (then newer events apply again). One exception: a `completed`
///    event newer than the failure moves `failed` to `completed`, because a fenced job can only complete again after an
///    operator retried it in Redis (`POST /queues/{q}/dead/retry`), and a post that went out must not read `failed`.
///    A `completed` event on a `cancelled` post keeps it `cancelled` but records the `publish_id` and post ids.
/// 3. **Otherwise the event says where the post is:** `progress` → `running`, `retrying` → `retrying`, `dead` →
///    `failed`, `completed` → `completed`, `recovered` → `queued`, `snoozed` → `queued` (the job is in Redis, waiting in
///    its scheduled set; `scheduled` would mean "not pushed yet" to the outbox sweep), or `unconfirmed` when the
///    checkpoint says TikTok has not confirmed the publish yet.
/// 4. A `progress` event that would change nothing (the post is already `running` and no new `publish_id`) is not
///    written to the history: a publish saves a checkpoint per chunk, and a row per chunk would drown the real changes.
///
/// `attempts` only grows: `max(attempts, event attempt)`.
enum PostTransition: Equatable {
    /// Change the post to this status and record the event.
    case apply(to: String)
    /// Record the event in the history without changing the post.
    case ignore(reason: String)
    /// Neither record nor change (a `progress` event that adds nothing).
    case coalesce

    /// Post statuses no event leaves (except rule 2's exception).
    static let terminal: Set<String> = ["completed", "failed", "cancelled"]

    /// The transition `event` makes on a post in `status` whose last applied event was `lastResult`.
    static func decide(status: String, publishID: String?, lastResult: StreamPosition?, event: ResultEvent) -> PostTransition {
        if let lastResult, event.streamID <= lastResult {
            return event.kind == .progress ? .coalesce : .ignore(reason: "stale")
        }
        if Self.terminal.contains(status) {
            if status == "failed", event.kind == .completed { return .apply(to: "completed") }
            return event.kind == .progress ? .coalesce : .ignore(reason: "terminal")
        }
        switch event.kind {
        case .progress:
            let newPublish = event.publish?.publishID.map { $0 != publishID } ?? false
            return status == "running" && !newPublish ? .coalesce : .apply(to: "running")
        case .retrying: return .apply(to: "retrying")
        case .dead: return .apply(to: "failed")
        case .completed: return .apply(to: "completed")
        case .recovered: return .apply(to: "queued")
        case .snoozed: return .apply(to: event.publish?.unconfirmed == true ? "unconfirmed" : "queued")
        }
    }
}
