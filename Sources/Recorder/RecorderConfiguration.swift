import Foundation

/// Settings of the ``ResultRecorder``. Every setting has a default; `reelay api` fills them from flags and `REELAY_*`
/// variables.
public struct RecorderConfiguration: Sendable {
    /// Queues whose results streams are read (default `["publish"]`).
    public var queues: [String] = ["publish"]
    /// The consumer group every recorder joins (default `reelay-recorder`): recorders of one group share the entries.
    public var group = "reelay-recorder"
    /// This recorder's name in the group; unique per process (default `<host>:<pid>:<random>`).
    public var consumer: String = RecorderConfiguration.uniqueConsumerName()
    /// Entries read per stream and call (default 200); a batch is applied in one transaction.
    public var batchSize = 200
    /// How long one read waits for new entries (default 1 s; at most 2 s, the blocking limit of the Redis client, so
    /// a graceful shutdown is noticed within it).
    public var blockTimeout: Duration = .seconds(1)
    /// Entries another consumer has held unacknowledged this long are claimed (`XAUTOCLAIM`): their recorder died or
    /// is stuck (default 60 s).
    public var claimIdle: Duration = .seconds(60)
    /// How often stale entries are looked for (default 15 s).
    public var claimInterval: Duration = .seconds(15)
    /// How often acknowledged history is trimmed from the streams (default 10 s).
    public var trimInterval: Duration = .seconds(10)
    /// The first wait after a failed batch (PostgreSQL or Redis down); doubled after each failure (default 0.2 s).
    public var retryBackoff: Duration = .milliseconds(200)
    /// The longest wait between two tries of a failed batch (default 10 s).
    public var maximumRetryBackoff: Duration = .seconds(10)
    /// Consumers of the group that hold nothing and were idle this long are removed from it (default 1 h), so the
    /// names of stopped processes do not pile up.
    public var forgetConsumersAfter: Duration = .seconds(3600)
    /// Job names whose checkpoint (in the job hash) holds a publish's `publish_id`, post ids and outcome; the recorder
    /// reads it for their events (default `["reelay.publish.video"]`, the wire name of TikTok's `PublishVideo`).
    public var checkpointJobNames: Set<String> = ["reelay.publish.video"]

    /// The defaults.
    public init() {}

    /// `<host>:<pid>:<8 random hex digits>`.
    public static func uniqueConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(64)
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }
}
