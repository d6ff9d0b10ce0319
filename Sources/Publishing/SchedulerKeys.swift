/// The scheduler's Redis keys, all built here (readable with redis-cli):
///
/// | key | type | holds |
/// |---|---|---|
/// | `reelay:scheduler:leader` | string | the leader's id, with a `PX` lease it renews every third of its length |
/// | `reelay:scheduler:fence` | string | the fencing-token counter; `INCR`ed by every new leader, so its value is the current term |
/// | `reelay:scheduler:status` | hash | what the leader last published: leader, fencing_token, lag_ms, stuck_past_due, recorder_lag_ms, updated_ms |
public struct SchedulerKeys: Sendable, Hashable {
    /// The leader's lease.
    public let leader: String
    /// The fencing-token counter.
    public let fence: String
    /// The leader's published figures.
    public let status: String

    /// Keys under `prefix` (default `reelay`).
    public init(prefix: String = "reelay") {
        self.leader = "\(prefix):scheduler:leader"
        self.fence = "\(prefix):scheduler:fence"
        self.status = "\(prefix):scheduler:status"
    }
}
