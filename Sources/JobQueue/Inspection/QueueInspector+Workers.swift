public import Foundation
import Redis

/// One live worker process, as its heartbeat announces it (``WorkerRegistry``).
public struct WorkerSummary: Sendable, Hashable, Codable {
    /// The worker's id.
    public var id: String
    /// The queues it takes jobs from.
    public var queues: [String]
    /// Its slots.
    public var concurrency: Int
    /// Jobs it was running at its last beat.
    public var inFlight: Int
    /// Its last beat.
    public var beatAt: Date?
    /// The host it runs on, its process id and Reelay version (empty or 0 when its hash lacks them).
    public var host = "", pid = 0, version = ""
    /// When it started.
    public var startedAt: Date?

    /// A worker as read.
    public init(id: String, queues: [String], concurrency: Int, inFlight: Int, beatAt: Date?) {
        self.id = id
        self.queues = queues
        self.concurrency = concurrency
        self.inFlight = inFlight
        self.beatAt = beatAt
    }
}

extension QueueInspector {
    /// The workers whose heartbeat hash still lives (a worker whose beats stopped is left out even before the registry
    /// forgets it), by id.
    /// - Throws: ``JobQueueError`` `broker`.
    public func workers() async throws(JobQueueError) -> [WorkerSummary] {
        let ids = try await self.pipeline("workers", [["ZRANGE", WorkerRegistry.setKey(prefix: self.prefix), "0", "-1"]])[0].array?.compactMap(\.string) ?? []
        guard !ids.isEmpty else { return [] }
        let replies = try await self.pipeline(
            "workers", ids.map { ["HMGET", WorkerRegistry.hashKey(prefix: self.prefix, workerID: $0), "queues", "concurrency", "in_flight", "beat_at", "host", "pid", "version", "started_at"] })
        return zip(ids, replies).compactMap { id, reply in
            let values = (reply.array ?? []).map(\.string)
            guard values.count == 8, let queues = values[0] else { return nil }
            var worker = WorkerSummary(
                id: id, queues: queues.split(separator: ",").map(String.init), concurrency: values[1].flatMap { Int($0) } ?? 0,
                inFlight: values[2].flatMap { Int($0) } ?? 0, beatAt: Milliseconds.parse(values[3]).map { Date(epochMilliseconds: $0) })
            worker.host = values[4] ?? ""
            worker.pid = values[5].flatMap { Int($0) } ?? 0
            worker.version = values[6] ?? ""
            worker.startedAt = Milliseconds.parse(values[7]).map { Date(epochMilliseconds: $0) }
            return worker
        }.sorted { $0.id < $1.id }
    }
}
