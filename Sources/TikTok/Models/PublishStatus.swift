/// Where a publish stands (`status/fetch`, reference §2.9). Optional fields may be missing and decode as nil/empty.
public struct PublishStatus: Sendable, Hashable, Decodable {
    /// The state; an open set so that new values still decode.
    public struct State: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as TikTok spells it.
        public let rawValue: String
        /// A state spelled `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// FILE_UPLOAD: bytes still arriving or being processed.
        public static let processingUpload = State(rawValue: "PROCESSING_UPLOAD")
        /// PULL_FROM_URL: TikTok still downloading.
        public static let processingDownload = State(rawValue: "PROCESSING_DOWNLOAD")
        /// Inbox flow: the draft reached the creator; the last state we can drive.
        public static let sendToUserInbox = State(rawValue: "SEND_TO_USER_INBOX")
        /// Posted (direct), or the creator posted the draft.
        public static let publishComplete = State(rawValue: "PUBLISH_COMPLETE")
        /// Failed; see ``PublishStatus/failReason``.
        public static let failed = State(rawValue: "FAILED")
        public var description: String { self.rawValue }
    }

    /// The state.
    public var state: State
    /// Why it failed, when ``state`` is ``State/failed``.
    public var failReason: String?
    /// Public post ids (only for public posts after moderation); 19-digit numbers decoded exactly, never via Double.
    public var publicPostIDs: [Int64]
    /// FILE_UPLOAD progress in bytes.
    public var uploadedBytes: Int64?
    /// PULL_FROM_URL progress in bytes.
    public var downloadedBytes: Int64?

    /// A status with its parts.
    public init(state: State, failReason: String? = nil, publicPostIDs: [Int64] = [], uploadedBytes: Int64? = nil, downloadedBytes: Int64? = nil) {
        self.state = state
        self.failReason = failReason
        self.publicPostIDs = publicPostIDs
        self.uploadedBytes = uploadedBytes
        self.downloadedBytes = downloadedBytes
    }

    /// True for states polling cannot move on: complete, failed, or delivered to the creator's inbox.
    public var isTerminal: Bool { [.publishComplete, .failed, .sendToUserInbox].contains(self.state) }

    /// For a failed publish, what to do about it (``Classification/ofFailReason(_:)``); nil otherwise.
    public var failureClassification: Classification? {
        guard self.state == .failed else { return nil }
        return Classification.ofFailReason(self.failReason ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case status, failReason = "fail_reason", publicPostIDs = "publicaly_available_post_id"
        case uploadedBytes = "uploaded_bytes", downloadedBytes = "downloaded_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.state = State(rawValue: try container.decode(String.self, forKey: .status))
        let reason = try container.decodeIfPresent(String.self, forKey: .failReason)
        self.failReason = reason?.isEmpty == true ? nil : reason
        self.publicPostIDs = try container.decodeIfPresent([ExactInt64].self, forKey: .publicPostIDs)?.map(\.value) ?? []
        self.uploadedBytes = try container.decodeIfPresent(ExactInt64.self, forKey: .uploadedBytes)?.value
        self.downloadedBytes = try container.decodeIfPresent(ExactInt64.self, forKey: .downloadedBytes)?.value
    }
}

/// An int64 from a JSON integer (decoded from its digits, exact beyond 2^53) or from a string of digits.
struct ExactInt64: Decodable {
    var value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            self.value = number
        } else if let text = try? container.decode(String.self), let number = Int64(text) {
            self.value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64")
        }
    }
}
