/// Every Redis key of the limits, for one limited key such as `account:42:init`. `{key}` is a hash tag, so one
/// limit's keys share a cluster slot. Keys are built here and nowhere else.
public struct LimitKeys: Sendable, Hashable {
    /// The limited key, as the caller named it.
    public let key: String
    /// `prefix:limit:{key}`.
    public let base: String

    /// The keys of `key` under `prefix` (default `reelay`).
    /// - Throws: ``JobQueueError`` `invalidArgument` when `key` is empty, longer than 200 bytes, or holds braces,
    ///   spaces or control characters.
    public init(key: String, prefix: String = "reelay") throws(JobQueueError) {
        try Self.validate(key: key)
        self.key = key
        self.base = "\(prefix):limit:{\(key)}"
    }

    /// Checks a limited key: 1 to 200 bytes, no `{`, `}`, spaces or control characters.
    public static func validate(key: String) throws(JobQueueError) {
        let allowed = key.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "}") }
        guard (1...200).contains(key.utf8.count), allowed else {
            throw JobQueueError(.invalidArgument, detail: "limit key '\(key.prefix(80))': use 1 to 200 bytes without braces or spaces")
        }
    }

    /// Sorted set of a sliding window: reservation id → reservation time (ms).
    public var window: String { "\(self.base):window" }
    /// Counter of one local day, `day` written `yyyy-MM-dd`.
    public func day(_ day: String) -> String { "\(self.base):day:\(day)" }
    /// Sorted set of holders: holder → lease deadline (ms).
    public var holders: String { "\(self.base):holders" }
}
