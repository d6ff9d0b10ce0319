public import Foundation

/// A job's identity: a UUID, written lowercase in Redis keys and payloads. For a post it is the post's id, so a job
/// enqueued twice is the same job (enqueue is idempotent by id).
public struct JobID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The UUID.
    public let uuid: UUID

    /// A new random id, or the given UUID.
    public init(_ uuid: UUID = UUID()) { self.uuid = uuid }

    /// Parses a job id from text (CLI arguments, Redis replies).
    /// - Throws: ``JobQueueError`` `invalidJobID` when `text` is not a UUID.
    public init(parsing text: String) throws(JobQueueError) {
        guard let uuid = UUID(uuidString: text) else {
            throw JobQueueError(.invalidJobID, detail: "'\(text.prefix(64))' is not a job id (a UUID such as 3f2c…-…)")
        }
        self.uuid = uuid
    }

    /// Lowercase UUID text.
    public var description: String { self.uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)")) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }
}
