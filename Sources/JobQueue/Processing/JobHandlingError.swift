public import Foundation

/// Thrown by a handler whose job can never succeed (bad input, a refusal that will not change): no retry, the job is
/// dead at once.
public struct PermanentJobError: Error, Sendable, CustomStringConvertible {
    /// A stable code, for example `privacy_level_option_mismatch`.
    public var code: String
    /// What happened, for operators.
    public var message: String

    /// A permanent failure with its code and message.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}

/// Thrown by a handler that cannot run yet for a reason that is not the job's fault (a rate limit, a token being
/// refreshed): the job goes back to the scheduled set until `until` and the attempt is not counted.
public struct SnoozeJob: Error, Sendable, CustomStringConvertible {
    /// When to try again.
    public var until: Date
    /// Why, for the log.
    public var reason: String

    /// Snooze until `until`.
    public init(until: Date, reason: String) {
        self.until = until
        self.reason = reason
    }

    public var description: String { "snoozed until \(self.until): \(self.reason)" }
}
