import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import OpenAPIRuntime

/// The Queues routes, over ``QueueInspector``: what Redis holds of each queue, pausing, and the dead letters. A queue
/// is known when it is this server's publish queue, a live worker serves it, or Redis holds anything of it; another
/// name answers 404, and a name that cannot be a queue 400. Only admins reach the writing routes (API key middleware).
extension APIHandlers {
    func listQueues(_ input: Operations.ListQueues.Input) async throws -> Operations.ListQueues.Output {
        let workers = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.workers() }
        let names = Set([self.configuration.queue] + workers.flatMap(\.queues)).filter { (try? QueueKeys.validate(queue: $0)) != nil }
        var items: [Components.Schemas.QueueInfo] = []
        for name in names.sorted() { items.append(try await self.queueInfo(name, workers: workers)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func pauseQueue(_ input: Operations.PauseQueue.Input) async throws -> Operations.PauseQueue.Output {
        .ok(.init(body: .json(try await self.setPaused(input.path.queue, paused: true))))
    }

    func resumeQueue(_ input: Operations.ResumeQueue.Input) async throws -> Operations.ResumeQueue.Output {
        .ok(.init(body: .json(try await self.setPaused(input.path.queue, paused: false))))
    }

    func listDeadJobs(_ input: Operations.ListDeadJobs.Input) async throws -> Operations.ListDeadJobs.Output {
        let queue = try await self.knownQueue(input.path.queue)
        let limit = input.query.limit ?? PageRequest.defaultLimit
        guard (1...200).contains(limit) else { throw APIError.validation([FieldProblem(field: "limit", problem: "must be between 1 and 200")]) }
        let offset = try Self.deadCursor(input.query.cursor)
        let jobs = try await Self.queueCall { () async throws(JobQueueError) in
            try await self.inspector.list(queue: queue, state: .dead, offset: offset, limit: limit + 1, newestFirst: true)
        }
        let items = jobs.prefix(limit).map { job in
            Components.Schemas.DeadJob(
                id: job.id.description, name: job.name ?? "", attempts: job.attempt ?? 0, lastError: job.lastError, diedAt: job.scoredAt)
        }
        let next = jobs.count > limit ? "o" + String(offset + limit) : nil
        return .ok(.init(body: .json(.init(items: Array(items), nextCursor: next))))
    }

    func retryDeadJobs(_ input: Operations.RetryDeadJobs.Input) async throws -> Operations.RetryDeadJobs.Output {
        var ids: [JobID]?
        if case .json(let body) = input.body, let texts = body.ids {
            var problems: [FieldProblem] = []
            if texts.isEmpty || texts.count > 10_000 { problems.append(FieldProblem(field: "ids", problem: "must hold 1 to 10000 ids")) }
            var parsed: [JobID] = []
            for (index, text) in texts.enumerated() {
                if let id = try? JobID(parsing: text) { parsed.append(id) } else { problems.append(FieldProblem(field: "ids[\(index)]", problem: "must be a job id (a UUID)")) }
            }
            guard problems.isEmpty else { throw APIError.validation(problems) }
            ids = parsed
        }
        let queue = try await self.knownQueue(input.path.queue)
        let now = try await self.clock.now()
        let retried = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.retryDead(queue: queue, ids: ids, now: now) }
        self.logger.info("dead jobs retried", metadata: ["queue": "\(queue)", "count": "\(retried)"])
        return .ok(.init(body: .json(.init(retried: retried))))
    }

    func getQueueHistory(_ input: Operations.GetQueueHistory.Input) async throws -> Operations.GetQueueHistory.Output {
        let minutes = input.query.minutes ?? 60
        guard (1...QueueInspector.historyMinutes).contains(minutes) else {
            throw APIError.validation([FieldProblem(field: "minutes", problem: "must be between 1 and \(QueueInspector.historyMinutes)")])
        }
        let queue = try await self.knownQueue(input.path.queue)
        let now = try await self.clock.now()
        let points = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.history(queue: queue, minutes: minutes, now: now) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        queue: queue,
                        points: points.map {
                            .init(
                                at: $0.at, enqueued: $0.enqueued, completed: $0.completed, failed: $0.failed, retried: $0.retried, dead: $0.dead,
                                known: $0.known)
                        }))))
    }

    func listWorkers(_ input: Operations.ListWorkers.Input) async throws -> Operations.ListWorkers.Output {
        let workers = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.workers() }
        let now = try await self.clock.now()
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: workers.map {
                            .init(
                                id: $0.id, host: $0.host, pid: $0.pid, version: $0.version, queues: $0.queues, concurrency: $0.concurrency,
                                inFlight: $0.inFlight, startedAt: $0.startedAt, beatAt: $0.beatAt,
                                beatAgeSeconds: $0.beatAt.map { max(0, (now.timeIntervalSince($0) * 1000).rounded() / 1000) })
                        }))))
    }

    // MARK: - Helpers

    /// Pauses or resumes a known queue and answers its figures.
    func setPaused(_ name: String, paused: Bool) async throws -> Components.Schemas.QueueInfo {
        let queue = try await self.knownQueue(name)
        try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.setPaused(queue: queue, paused: paused) }
        self.logger.info(paused ? "queue paused" : "queue resumed", metadata: ["queue": "\(queue)"])
        let workers = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.workers() }
        return try await self.queueInfo(queue, workers: workers)
    }

    /// `name` when it is a known queue. - Throws: ``APIError`` 400 for a name that cannot be a queue, 404 for an unknown one.
    func knownQueue(_ name: String) async throws -> String {
        do {
            try QueueKeys.validate(queue: name)
        } catch {
            throw APIError(
                .badRequest, code: "invalid_request", message: "queue must be 1 to 64 of a-z, 0-9, _ and -",
                details: [FieldProblem(field: "queue", problem: "must be 1 to 64 of a-z, 0-9, _ and -")])
        }
        if name == self.configuration.queue { return name }
        let known = try await Self.queueCall { () async throws(JobQueueError) in
            if try await self.inspector.exists(queue: name) { return true }
            return try await self.inspector.workers().contains { $0.queues.contains(name) }
        }
        guard known else { throw APIError(.notFound, code: "not_found", message: "queue not found") }
        return name
    }

    /// One queue's figures.
    func queueInfo(_ name: String, workers: [WorkerSummary]) async throws -> Components.Schemas.QueueInfo {
        let now = try await self.clock.now()
        let stats = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.stats(queue: name, now: now) }
        return Components.Schemas.QueueInfo(
            name: name, paused: stats.paused, depth: stats.ready, scheduled: stats.scheduled, inFlight: stats.active, dead: stats.dead,
            oldestAgeSeconds: stats.oldestReadyAgeSeconds, workers: workers.count { $0.queues.contains(name) })
    }

    /// The offset a dead-list cursor stands for (`o<offset>`). - Throws: ``APIError`` 400 for any other text.
    static func deadCursor(_ cursor: String?) throws(APIError) -> Int {
        guard let cursor else { return 0 }
        guard cursor.hasPrefix("o"), let offset = Int(cursor.dropFirst()), (0...1_000_000_000).contains(offset) else {
            throw APIError(.badRequest, code: "invalid_request", message: "cursor is not one this server gave", details: [FieldProblem(field: "cursor", problem: "is invalid")])
        }
        return offset
    }

    /// Runs a queue call; Redis being unreachable answers 503, never 500.
    static func queueCall<Value: Sendable>(_ body: () async throws(JobQueueError) -> Value) async throws(APIError) -> Value {
        do {
            return try await body()
        } catch {
            if error.code == .invalidQueueName {
                throw APIError(.badRequest, code: "invalid_request", message: "queue must be 1 to 64 of a-z, 0-9, _ and -")
            }
            throw APIError(.serviceUnavailable, code: "queue_unavailable", message: "the job queue (Redis) is unavailable; try again", headers: [.retryAfter: "5"])
        }
    }
}
