/// Why a call to TikTok (or the upload, or the parsing of TikTok's reply) failed.
///
/// ``code`` is TikTok's `error.code` (Content Posting), its OAuth `error` string, or one of Reelay's own codes for what
/// TikTok never says (``Code/timeout``, ``Code/malformedResponse``…). ``classification`` tells the worker what to do.
/// `description` names the code, status and log id only; ``message`` (TikTok's human text or Reelay's note) is in
/// `debugDescription`. Neither ever holds a token, the client secret or a response body.
public struct TikTokError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable error code: an open set, because TikTok may add codes; the known ones are static members.
    public struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        /// The code as TikTok (or Reelay) spells it, such as `rate_limit_exceeded`.
        public let rawValue: String
        /// A code spelled `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A code from a literal.
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { self.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The HTTP status of TikTok's reply, when there was one.
    public var httpStatus: Int?
    /// TikTok's `message` / `error_description`, or a short note from Reelay. Never secrets, never a response body.
    public var message: String?
    /// TikTok's `log_id`, to quote to TikTok support.
    public var logID: String?
    /// For upload errors: how many bytes TikTok says it holds (from the reply's `Content-Range`), so the caller can resync.
    public var receivedBytes: Int64?

    /// An error with its code and what is known about it.
    public init(_ code: Code, httpStatus: Int? = nil, message: String? = nil, logID: String? = nil, receivedBytes: Int64? = nil) {
        self.code = code
        self.httpStatus = httpStatus
        self.message = message
        self.logID = logID
        self.receivedBytes = receivedBytes
    }

    /// What the caller should do about this error (see ``Classification``).
    public var classification: Classification { Classification.of(self.code, httpStatus: self.httpStatus) }

    /// How long to wait before trying again, where TikTok's documentation gives a figure (nil: use the retry policy).
    public var suggestedDelay: Duration? { self.classification.suggestedDelay }

    /// True when this `publish_id` / `upload_url` is unusable and only a new init (a new publish) can succeed: an
    /// expired or unknown upload URL.
    public var requiresNewPublish: Bool { self.code == .uploadURLExpired || self.code == .uploadNotFound }

    public var description: String {
        var parts = ["code: \(self.code)"]
        if let status = self.httpStatus { parts.append("status: \(status)") }
        if let logID = self.logID { parts.append("log_id: \(logID)") }
        return "TikTokError(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String {
        var text = self.description
        if let received = self.receivedBytes { text += " received_bytes: \(received)" }
        if let message = self.message, !message.isEmpty { text += ": \(message)" }
        return text
    }
}
