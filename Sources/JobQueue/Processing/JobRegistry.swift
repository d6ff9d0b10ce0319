import Foundation

/// The handlers a worker runs, by job wire name, each with its retry policy. Registered once at start-up by the module
/// that owns the side effect; then read-only.
public struct JobRegistry: Sendable {
    /// One registered handler, type-erased over its payload.
    struct Entry: Sendable {
        var retry: RetryPolicy
        var run: @Sendable (LeasedJob, JobContext) async throws -> Void
    }

    private(set) var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// Registers `handler` for jobs named `Payload.jobName`; the payload is decoded from JSON first (a payload that
    /// does not decode fails the job permanently: retrying cannot fix it).
    public mutating func register<Payload: JobPayload>(
        _ type: Payload.Type, retry: RetryPolicy = RetryPolicy(),
        handler: @escaping @Sendable (Payload, JobContext) async throws -> Void
    ) {
        self.entries[Payload.jobName] = Entry(retry: retry) { job, context in
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let payload: Payload
            do {
                payload = try decoder.decode(Payload.self, from: Data(job.payload.utf8))
            } catch {
                throw PermanentJobError(code: "payload_undecodable", message: "\(Payload.jobName): \(error)")
            }
            try await handler(payload, context)
        }
    }

    /// The wire names with a handler.
    public var jobNames: [String] { self.entries.keys.sorted() }

    func entry(for name: String) -> Entry? { self.entries[name] }
}
