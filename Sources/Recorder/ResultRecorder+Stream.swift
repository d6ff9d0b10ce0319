import Domain
import Foundation
import JobQueue
import Logging
import Redis

/// One entry read from a results stream.
struct StreamEntry: Sendable {
    /// The stream's key.
    var stream: String
    /// The queue the stream belongs to.
    var queue: String
    /// The entry id.
    var id: String
    /// The field/value pairs in the entry's order (a batch of completions repeats `job`, `name` and `attempt`); `nil`
    /// for an entry deleted while it was pending (Redis 6.2 reports those so).
    var fields: [(name: String, value: String)]?
}

/// The Redis side: consumer groups, reads, claims, acknowledgements, checkpoints.
extension ResultRecorder {
    /// Creates the group on each queue's stream (and the stream) if missing. The group starts at `0`, the start of
    /// the stream, not `$`: events workers wrote before the first recorder ever ran are applied too.
    func ensureGroups() async throws {
        for (queue, stream) in self.streams {
            do {
                _ = try await self.client.send(["XGROUP", "CREATE", stream, self.configuration.group, "0", "MKSTREAM"])
                self.logger.info("created the results consumer group", metadata: ["queue": "\(queue)", "group": "\(self.configuration.group)"])
            } catch {
                // BUSYGROUP: another recorder made it. (Not `catch let e as RedisError where …` around a typed-throws
                // call inside a loop: Swift 6.3's mandatory SIL passes never finish on that shape.)
                guard error.serverMessage?.hasPrefix("BUSYGROUP") == true else { throw error }
            }
        }
    }

    /// New entries of every stream, waiting up to the block timeout (`XREADGROUP … >`).
    func readNew() async throws -> [StreamEntry] {
        let count: String = String(self.configuration.batchSize)
        let block: String = String(max(self.configuration.blockTimeout.milliseconds, 1) as Int64)
        var command: [String] = ["XREADGROUP", "GROUP", self.configuration.group, self.configuration.consumer]
        command += ["COUNT", count, "BLOCK", block, "STREAMS"]
        command += self.streams.map(\.stream)
        command += Array(repeating: ">", count: self.streams.count)
        let reply = try await self.client.blocking(command)
        var entries: [StreamEntry] = []
        for streamReply in reply.array ?? [] {
            guard let pair = streamReply.array, pair.count == 2, let key = pair[0].string, let queue = self.queueOf[key] else { continue }
            entries += Self.entries(pair[1], stream: key, queue: queue)
        }
        return entries
    }

    /// Takes over one page of entries that other consumers left unacknowledged for ``RecorderConfiguration/claimIdle``
    /// (`XAUTOCLAIM`), starting at `cursor`; returns them and where the next page starts (`0-0`: done).
    func claimStale(queue: String, stream: String, cursor: String) async throws -> (entries: [StreamEntry], next: String) {
        let idle: String = String(max(self.configuration.claimIdle.milliseconds, 0) as Int64)
        let count: String = String(self.configuration.batchSize)
        let command: [String] = ["XAUTOCLAIM", stream, self.configuration.group, self.configuration.consumer, idle, cursor, "COUNT", count]
        let reply = try await self.client.send(RedisCommand(command))
        guard let parts = reply.array, parts.count >= 2 else { return ([], "0-0") }
        return (Self.entries(parts[1], stream: stream, queue: queue), parts[0].string ?? "0-0")
    }

    /// Acknowledges `entries` (one `XACK` per stream, in one round trip).
    func acknowledge(_ entries: [StreamEntry]) async throws {
        let byStream = Dictionary(grouping: entries, by: \.stream)
        let commands: [RedisCommand] = byStream.map { (stream: String, entries: [StreamEntry]) -> RedisCommand in
            let arguments: [String] = ["XACK", stream, self.configuration.group] + entries.map(\.id)
            return RedisCommand(arguments)
        }
        guard !commands.isEmpty else { return }
        for reply in try await self.client.pipeline(commands) {
            if let message = reply.errorMessage { throw RedisError(.server, serverMessage: message) }
        }
    }

    /// Removes consumers of the group that hold nothing and have been idle for ``RecorderConfiguration/forgetConsumersAfter``.
    func forgetIdleConsumers(stream: String) async throws {
        let reply = try await self.client.send(["XINFO", "CONSUMERS", stream, self.configuration.group])
        for consumer in reply.array ?? [] {
            let info = Self.pairs(consumer)
            guard let name = info["name"]?.string, name != self.configuration.consumer, info["pending"]?.int == 0,
                let idle: Int = info["idle"]?.int, Int64(idle) > self.configuration.forgetConsumersAfter.milliseconds
            else { continue }
            _ = try await self.client.send(["XGROUP", "DELCONSUMER", stream, self.configuration.group, name])
        }
    }

    /// Reads the publish checkpoint of the events' jobs whose name is in ``RecorderConfiguration/checkpointJobNames``
    /// (one `HGET` each, in one round trip). A checkpoint that is gone (retention) or does not decode adds nothing.
    func attachCheckpoints(_ events: [ResultEvent]) async throws -> [ResultEvent] {
        let wanted = events.indices.filter { events[$0].jobName.map(self.configuration.checkpointJobNames.contains) ?? false }
        guard !wanted.isEmpty else { return events }
        let commands = try wanted.map { index in
            let event = events[index]
            let key = try self.broker.keys(event.queue).job(JobID(event.postID))
            return RedisCommand(["HGET", key, JobHashField.checkpoint])
        }
        let replies = try await self.client.pipeline(commands)
        var result = events
        for (index, reply) in zip(wanted, replies) {
            guard let bytes = reply.bytes else { continue }
            result[index].publish = PublishFacts(checkpointJSON: bytes)
        }
        return result
    }

    // MARK: - Parsing

    /// The entries of an `[[id, [field, value, …]], …]` reply.
    static func entries(_ reply: RedisValue, stream: String, queue: String) -> [StreamEntry] {
        (reply.array ?? []).compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { return nil }
            guard let list = parts[1].array else { return StreamEntry(stream: stream, queue: queue, id: id, fields: nil) }
            var fields: [(name: String, value: String)] = []
            fields.reserveCapacity(list.count / 2)
            for index in stride(from: 0, to: list.count - 1, by: 2) {
                if let name = list[index].string, let value = list[index + 1].string { fields.append((name, value)) }
            }
            return StreamEntry(stream: stream, queue: queue, id: id, fields: fields)
        }
    }

    /// The result events an entry holds, in order (one, or one per job of a batch of completions: see
    /// ``JobQueue/ResultEventField/jobs(in:)``), or `nil` for one that is not a well-formed result of jobs with UUID ids.
    static func events(of entry: StreamEntry) -> [ResultEvent]? {
        guard let fields = entry.fields, let position = StreamPosition(entry.id) else { return nil }
        var events: [ResultEvent] = []
        for (offset, values) in ResultEventField.jobs(in: fields).enumerated() {
            guard var event = Self.event(values, queue: entry.queue, position: position) else { return nil }
            event.indexInEntry = offset
            events.append(event)
        }
        return events
    }

    /// The event one job's fields describe, or `nil` when the kind or the job id is missing or malformed.
    static func event(_ fields: [String: String], queue: String, position: StreamPosition) -> ResultEvent? {
        guard let kind = fields[ResultEventField.event].flatMap(ResultEvent.Kind.init(rawValue:)),
            let postID = fields[ResultEventField.job].flatMap(UUID.init(uuidString:))
        else { return nil }
        let atMs: Int64 = Self.integer(fields[ResultEventField.at]) ?? Int64(clamping: position.milliseconds)
        let attempt: Int64 = Self.integer(fields[ResultEventField.attempt]) ?? 0
        var runAt: Date?
        if let ms = Self.integer(fields[ResultEventField.runAt]) { runAt = Date(milliseconds: ms) }
        var error: String?
        if let text = fields[ResultEventField.error], !text.isEmpty { error = text }
        return ResultEvent(
            queue: queue, streamID: position, kind: kind, postID: postID, jobName: fields[ResultEventField.name],
            attempt: Int(clamping: attempt), at: Date(milliseconds: atMs), error: error, runAt: runAt)
    }

    /// A field's decimal integer, or `nil`.
    static func integer(_ text: String?) -> Int64? {
        guard let text else { return nil }
        return Int64(text)
    }

    /// The name → value pairs of an `XINFO` reply.
    static func pairs(_ reply: RedisValue) -> [String: RedisValue] {
        let list = reply.array ?? []
        var pairs: [String: RedisValue] = [:]
        for index in stride(from: 0, to: list.count - 1, by: 2) {
            if let name = list[index].string { pairs[name] = list[index + 1] }
        }
        return pairs
    }
}

extension Date {
    /// The time `milliseconds` after 1970.
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        let fromSeconds: Int64 = seconds * 1000
        let fromFraction: Int64 = attoseconds / 1_000_000_000_000_000
        return fromSeconds + fromFraction
    }
}
