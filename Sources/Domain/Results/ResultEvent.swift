public import Foundation

/// One entry of a queue's results stream (`reelay:{queue}:results`), read by the result recorder and applied to the
/// post whose id is the job id (see ``ResultApplier``).
public struct ResultEvent: Sendable, Hashable {
    /// What happened to the job (the entry's `event` field).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The run succeeded.
        case completed
        /// The run failed and the job will run again at ``ResultEvent/runAt``.
        case retrying
        /// The job failed for good (no attempts left, a permanent error, too many stalls).
        case dead
        /// The running job saved a checkpoint.
        case progress
        /// A lost worker's job went back to the ready list.
        case recovered
        /// The job waits until ``ResultEvent/runAt`` without using an attempt (rate limit, token refresh, polling).
        case snoozed
    }

    /// The queue whose stream carried the event.
    public var queue: String
    /// The stream entry id (`<ms>-<seq>`).
    public var streamID: StreamPosition
    /// What happened.
    public var kind: Kind
    /// The post (= job) id.
    public var postID: UUID
    /// The job's wire name, when the entry had one.
    public var jobName: String?
    /// The run's attempt number (0 when the entry had none).
    public var attempt: Int
    /// When it happened (Redis's clock).
    public var at: Date
    /// The failure message (`retrying`, `dead`).
    public var error: String?
    /// When the job runs again (`retrying`, `snoozed`).
    public var runAt: Date?
    /// What the job's publish checkpoint said when the recorder read it, if it could.
    public var publish: PublishFacts?
    /// Its place among the events of its stream entry (0 for the first or only one; an entry for a batch of
    /// completions holds one event per job).
    public var indexInEntry: Int = 0

    /// An event; see the properties.
    public init(
        queue: String, streamID: StreamPosition, kind: Kind, postID: UUID, jobName: String? = nil, attempt: Int, at: Date,
        error: String? = nil, runAt: Date? = nil, publish: PublishFacts? = nil
    ) {
        self.queue = queue
        self.streamID = streamID
        self.kind = kind
        self.postID = postID
        self.jobName = jobName
        self.attempt = attempt
        self.at = at
        self.error = error
        self.runAt = runAt
        self.publish = publish
    }

    /// The event's unique id in `post_events.stream_id`: `<queue>:<stream entry id>`, then `/<index>` for the second
    /// and later events of one entry.
    public var recordID: String { self.indexInEntry == 0 ? "\(self.queue):\(self.streamID)" : "\(self.queue):\(self.streamID)/\(self.indexInEntry)" }
}

/// A stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders them.
public struct StreamPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The milliseconds part.
    public var milliseconds: UInt64
    /// The sequence part.
    public var sequence: UInt64

    /// A position from its two parts.
    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `<ms>-<seq>`; `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = UInt64(parts[0]), let seq = UInt64(parts[1]) else { return nil }
        self.init(milliseconds: ms, sequence: seq)
    }

    /// `<ms>-<seq>`.
    public var description: String { "\(self.milliseconds)-\(self.sequence)" }

    public static func < (lhs: StreamPosition, rhs: StreamPosition) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// The few fields of a publish job's checkpoint (the job hash's `checkpoint` JSON) the records keep. Decoded
/// tolerantly: a missing, renamed or malformed field is `nil`, never an error.
public struct PublishFacts: Sendable, Hashable {
    /// TikTok's `publish_id` of the publish being driven (or that went out).
    public var publishID: String?
    /// Public post ids TikTok reported.
    public var tiktokPostIDs: [String]
    /// `published`, `sent_to_inbox` or `failed`, once known.
    public var outcome: String?
    /// TikTok's `fail_reason` of a failed publish.
    public var failReason: String?
    /// Past the confirmation deadline without a final status (checked again later).
    public var unconfirmed: Bool

    /// Facts; see the properties.
    public init(publishID: String? = nil, tiktokPostIDs: [String] = [], outcome: String? = nil, failReason: String? = nil, unconfirmed: Bool = false) {
        self.publishID = publishID
        self.tiktokPostIDs = tiktokPostIDs
        self.outcome = outcome
        self.failReason = failReason
        self.unconfirmed = unconfirmed
    }

    /// Reads the facts from checkpoint JSON; `nil` when the bytes are not a JSON object.
    public init?(checkpointJSON bytes: [UInt8]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        func text(_ key: String) -> String? {
            guard let value = object[key] as? String, !value.isEmpty, value.utf8.count <= 256 else { return nil }
            return value
        }
        let ids = (object["post_ids"] as? [Any] ?? []).prefix(20).compactMap { element -> String? in
            switch element {
            case let number as NSNumber: return number.int64Value > 0 ? String(number.int64Value) : nil
            case let text as String: return text.isEmpty || text.utf8.count > 64 ? nil : text
            default: return nil
            }
        }
        self.init(
            publishID: text("publish_id"), tiktokPostIDs: ids, outcome: text("outcome"), failReason: text("fail_reason"),
            unconfirmed: (object["unconfirmed"] as? Bool) ?? false)
    }
}
