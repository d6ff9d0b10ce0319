public import Foundation
import Redis

extension RedisJobBroker {
    // MARK: - Settling a held job

    public func complete(_ jobs: [LeasedJob], now: Date) async throws -> Set<JobID> {
        // One `completeMany` call per queue and per 200 jobs, all in one pipeline.
        var groups: [[LeasedJob]] = []
        var groupOfQueue: [String: Int] = [:]
        for job in jobs {
            if let index = groupOfQueue[job.queue], groups[index].count < Self.completeBatchSize {
                groups[index].append(job)
            } else {
                groupOfQueue[job.queue] = groups.count
                groups.append([job])
            }
        }
        let commands = try groups.map { group throws(JobQueueError) in try self.completeCommand(group, now: now) }
        let replies = try await self.pipeline("complete", commands)
        var lost = Set<JobID>()
        for (group, reply) in zip(groups, replies) {
            let results = reply.array ?? []
            for (index, job) in group.enumerated() where index >= results.count || results[index] != .integer(1) { lost.insert(job.id) }
        }
        return lost
    }

    /// Jobs per `completeMany` call.
    static let completeBatchSize = 200

    /// The `completeMany` call for jobs of one queue.
    func completeCommand(_ jobs: [LeasedJob], now: Date) throws(JobQueueError) -> RedisCommand {
        let keys = try self.keys(jobs[0].queue)
        var scriptKeys = [keys.lease, keys.stats, keys.results] + jobs.map { keys.job($0.id) }
        var arguments = [
            String(now.epochMilliseconds), String(max(self.completedRetention.wholeMilliseconds, 1)), String(jobs.count),
            String(self.resultsMaxLength),
        ]
        var locks = 0
        for job in jobs {
            var lockPosition = 0
            if let uniqueKey = job.uniqueKey {
                locks += 1
                lockPosition = locks
                scriptKeys.append(keys.unique(uniqueKey))
            }
            arguments += [job.id.description, job.leaseToken, String(lockPosition)]
        }
        return .evalSHA(LuaScripts.completeMany, keys: scriptKeys, arguments: arguments)
    }

    public func fail(_ job: LeasedJob, error: String, permanent: Bool, retryAt: Date, now: Date) async throws -> JobState {
        let keys = try self.keys(job.queue)
        let reply = try await self.eval(
            "fail", LuaScripts.fail,
            keys: [keys.active, keys.lease, keys.scheduled, keys.dead, keys.stats, keys.results, keys.job(job.id), keys.wake]
                + self.lockKey(job, keys),
            arguments: [
                job.id.description, job.leaseToken, String(now.epochMilliseconds), error, permanent ? "1" : "0",
                String(max(retryAt, now).epochMilliseconds), String(self.resultsMaxLength),
            ])
        switch reply.string {
        case "dead": return .dead
        case "scheduled": return .scheduled
        default: throw self.leaseLost(job, "fail")
        }
    }

    public func snooze(_ job: LeasedJob, until: Date, now: Date) async throws {
        let keys = try self.keys(job.queue)
        let reply = try await self.eval(
            "snooze", LuaScripts.snooze, keys: [keys.active, keys.lease, keys.scheduled, keys.results, keys.job(job.id), keys.wake],
            arguments: [
                job.id.description, job.leaseToken, String(now.epochMilliseconds), String(max(until, now).epochMilliseconds),
                String(self.resultsMaxLength),
            ])
        guard reply == .integer(1) else { throw self.leaseLost(job, "snooze") }
    }

    public func requeue(_ job: LeasedJob, now: Date) async throws {
        let keys = try self.keys(job.queue)
        let reply = try await self.eval(
            "requeue", LuaScripts.requeue, keys: [keys.active, keys.lease, keys.ready, keys.job(job.id)],
            arguments: [job.id.description, job.leaseToken])
        guard reply == .integer(1) else { throw self.leaseLost(job, "requeue") }
    }

    public func checkpoint(_ job: LeasedJob, data: String, now: Date) async throws {
        guard data.utf8.count <= self.maximumPayloadBytes else {
            throw JobQueueError(.payloadTooLarge, detail: "job \(job.id): checkpoint of \(data.utf8.count) bytes")
        }
        let keys = try self.keys(job.queue)
        let reply = try await self.eval(
            "checkpoint", LuaScripts.checkpoint, keys: [keys.job(job.id), keys.results],
            arguments: [job.id.description, job.leaseToken, String(now.epochMilliseconds), data, String(self.resultsMaxLength)])
        guard reply == .integer(1) else { throw self.leaseLost(job, "checkpoint") }
    }

    /// The unique lock key of `job`, as a one-element list, or empty.
    func lockKey(_ job: LeasedJob, _ keys: QueueKeys) -> [String] {
        job.uniqueKey.map { [keys.unique($0)] } ?? []
    }

    /// The error for a call refused because the lease was taken over.
    func leaseLost(_ job: LeasedJob, _ operation: String) -> JobQueueError {
        JobQueueError(.leaseLost, detail: "\(operation) job \(job.id) in \(job.queue): the lease expired and was taken over")
    }
}
