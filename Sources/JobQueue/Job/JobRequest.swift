import Foundation

/// One job to enqueue: its wire name, its JSON payload and its options. Built from a typed ``JobPayload`` with
/// ``init(_:options:)`` or, for tools, from raw JSON.
public struct JobRequest: Sendable, Hashable {
    /// The stable wire name.
    public var name: String
    /// The payload as JSON text (what `redis-cli HGET … payload` shows).
    public var payload: String
    /// Id, schedule, attempts, uniqueness, timeout.
    public var options: EnqueueOptions

    /// A request with a payload already encoded as JSON.
    public init(name: String, payload: String, options: EnqueueOptions = EnqueueOptions()) {
        self.name = name
        self.payload = payload
        self.options = options
    }

    /// Encodes `payload` as JSON (sorted keys, so equal payloads are equal text).
    /// - Throws: ``JobQueueError`` `encoding`.
    public init<Payload: JobPayload>(_ payload: Payload, options: EnqueueOptions = EnqueueOptions()) throws(JobQueueError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            self.init(name: Payload.jobName, payload: String(decoding: try encoder.encode(payload), as: UTF8.self), options: options)
        } catch {
            throw JobQueueError(.encoding, detail: "\(Payload.jobName): \(error)")
        }
    }
}

/// What enqueueing one request did.
public enum EnqueueOutcome: Sendable, Hashable {
    /// Stored and queued (ready or scheduled).
    case enqueued(JobID)
    /// The queue already holds a job with this id: nothing changed.
    case duplicateID(JobID)
    /// Another live job holds the unique key: nothing changed; the associated id is that job's.
    case duplicateUniqueKey(existing: JobID)
}
