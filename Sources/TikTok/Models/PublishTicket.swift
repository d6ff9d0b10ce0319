/// What an init call returns (reference §2.4, §2.7): the publish to track and, for file uploads, where to send bytes.
public struct PublishTicket: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// The id for status, cancel and webhooks (≤ 64 characters). Persist it at once: there is no idempotent init.
    public var publishID: String
    /// Where to PUT the chunks (FILE_UPLOAD only; valid 1 hour). Opaque: use it whole, query string included.
    public var uploadURL: String?

    /// A ticket with its parts.
    public init(publishID: String, uploadURL: String?) {
        self.publishID = publishID
        self.uploadURL = uploadURL
    }

    enum CodingKeys: String, CodingKey { case publishID = "publish_id", uploadURL = "upload_url" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.publishID = try container.decode(String.self, forKey: .publishID)
        let url = try container.decodeIfPresent(String.self, forKey: .uploadURL)
        self.uploadURL = url?.isEmpty == true ? nil : url
        guard !self.publishID.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.publishID], debugDescription: "empty publish_id"))
        }
    }

    /// Names the publish only: the upload URL carries an upload credential and is never printed.
    public var description: String { "PublishTicket(publish_id: \(self.publishID), upload_url: \(self.uploadURL == nil ? "none" : "<redacted>"))" }
}
