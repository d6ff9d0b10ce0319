public import Foundation
import Redis

extension RedisJobBroker {
    // MARK: - Consuming

    public func claim(
        queue: String, worker: String, limit: Int, leaseDuration: Duration, wait: Duration, now: Date
    ) async throws -> [LeasedJob] {
        let callStarted = ContinuousClock.now
        let keys = try self.keys(queue)
        guard (1...1_000).contains(limit) else { throw JobQueueError(.invalidArgument, detail: "claim limit \(limit) outside 1…1000") }
        guard wait >= .zero, wait <= .seconds(2) else {
            throw JobQueueError(.invalidArgument, detail: "claim wait \(wait) outside 0…2 s")
        }
        guard leaseDuration.wholeMilliseconds >= 1 else { throw JobQueueError(.invalidArgument, detail: "lease duration \(leaseDuration)") }
        guard !worker.isEmpty else { throw JobQueueError(.invalidArgument, detail: "claim needs a worker id") }

        // Fast path: whatever is ready now, taken and leased in one script call.
        let deadline = now.epochMilliseconds + leaseDuration.wholeMilliseconds
        let tokenPrefix = UUID().uuidString.lowercased() + "-"
        let reply = try await self.eval(
            "claim", LuaScripts.claimReady, keys: [keys.paused, keys.ready, keys.lease],
            arguments: [
                String(now.epochMilliseconds), String(deadline), worker, String(limit), keys.jobKeyPrefix, tokenPrefix,
            ])
        if reply == .integer(-1) {
            // Paused: wait as BLMOVE would have, so a worker loop does not spin.
            if wait > .zero { try await Task.sleep(for: wait) }
            return []
        }
        guard let rows = reply.array else { throw JobQueueError(.broker, detail: "claim: unexpected reply \(reply)") }
        if !rows.isEmpty || wait == .zero {
            return try rows.map { row throws(JobQueueError) in try self.leasedJob(row, queue: keys.queue) }
        }

        // Nothing ready: block for the next id (no polling), then lease it; the script checks the pause again.
        let seconds = String(Double(max(wait.wholeMilliseconds, 1)) / 1000)
        let first = try await self.redis("claim") {
            try await self.client.blocking(["BLMOVE", keys.ready, keys.active, "RIGHT", "LEFT", seconds])
        }
        guard let firstID = first.string else { return [] }
        // `now` was read when the call began, before the blocking wait: the lease starts when the job was taken.
        let takenAt = now.addingTimeInterval((ContinuousClock.now - callStarted).timeInterval)
        return try await self.lease(
            taken: [firstID], keys: keys, worker: worker, deadline: takenAt.epochMilliseconds + leaseDuration.wholeMilliseconds, now: takenAt)
    }

    /// Runs the `claim` script over ids already moved from ready to active. Entries that are not job ids are dropped
    /// from active. If this call never happens (a crash), the ids are orphans that the recoverer puts back.
    func lease(taken: [String], keys: QueueKeys, worker: String, deadline: Int64, now: Date) async throws -> [LeasedJob] {
        var ids: [JobID] = []
        for text in taken {
            if let id = try? JobID(parsing: text), id.description == text {
                // The same id twice (a stale copy in active): lease it once; the orphan scan drops the other copy once the job finished.
                if !ids.contains(id) { ids.append(id) }
            } else {
                _ = try await self.redis("claim") { try await self.client.send(["LREM", keys.active, "1", text]) }
            }
        }
        guard !ids.isEmpty else { return [] }
        var arguments = [String(now.epochMilliseconds), String(deadline), worker]
        for id in ids { arguments += [id.description, UUID().uuidString.lowercased()] }
        let reply = try await self.eval(
            "claim", LuaScripts.claim, keys: [keys.paused, keys.ready, keys.active, keys.lease] + ids.map(keys.job), arguments: arguments)
        guard let rows = reply.array else { throw JobQueueError(.broker, detail: "claim: unexpected reply \(reply)") }
        return try rows.map { row throws(JobQueueError) in try self.leasedJob(row, queue: keys.queue) }
    }

    /// Builds a ``LeasedJob`` from one row of the `claim` or `claimReady` script's reply (see the `lease` Lua function).
    private func leasedJob(_ row: RedisValue, queue: String) throws(JobQueueError) -> LeasedJob {
        guard let fields = row.array, fields.count == 10, let idText = fields[0].string, let attempt = fields[1].int,
            let name = fields[2].string, let payload = fields[3].string, let maxAttempts = fields[4].int,
            let enqueuedAt = fields[6].int, let token = fields[9].string
        else { throw JobQueueError(.broker, detail: "claim: malformed row \(row)") }
        var job = LeasedJob(
            id: try JobID(parsing: idText), queue: queue, name: name, payload: payload, attempt: attempt, maxAttempts: maxAttempts,
            leaseToken: token, checkpoint: fields[5].string, enqueuedAt: Date(epochMilliseconds: Int64(enqueuedAt)),
            timeout: fields[7].int.map { .milliseconds($0) })
        job.uniqueKey = fields[8].string
        return job
    }

    public func extendLeases(_ jobs: [LeasedJob], duration: Duration, now: Date) async throws -> Set<JobID> {
        guard duration.wholeMilliseconds >= 1 else { throw JobQueueError(.invalidArgument, detail: "lease duration \(duration)") }
        let deadline = String(now.epochMilliseconds + duration.wholeMilliseconds)
        let durationText = String(duration.wholeMilliseconds)
        let commands = try jobs.map { job throws(JobQueueError) in
            let keys = try self.keys(job.queue)
            return RedisCommand.evalSHA(
                LuaScripts.extendLease, keys: [keys.lease, keys.job(job.id)],
                arguments: [job.id.description, job.leaseToken, deadline, durationText])
        }
        let replies = try await self.pipeline("extend leases", commands)
        return Set(zip(jobs, replies).filter { $0.1 != .integer(1) }.map(\.0.id))
    }

    public func start(_ jobs: [LeasedJob]) async -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        // One script call per queue: its job hashes share the queue's hash tag, so the call stays in one cluster slot.
        var order: [String] = []
        var byQueue: [String: [Int]] = [:]
        for (index, job) in jobs.enumerated() {
            if byQueue[job.queue] == nil { order.append(job.queue) }
            byQueue[job.queue, default: []].append(index)
        }
        var commands: [RedisCommand] = []
        for queue in order {
            guard let keys = try? self.keys(queue), let indices = byQueue[queue] else { return jobs.map { _ in false } }
            commands.append(
                .evalSHA(LuaScripts.start, keys: indices.map { keys.job(jobs[$0].id) }, arguments: indices.map { jobs[$0].leaseToken }))
        }
        guard let replies = try? await self.pipeline("start", commands) else { return jobs.map { _ in false } }
        var started = jobs.map { _ in false }
        for (queue, reply) in zip(order, replies) {
            guard let flags = reply.array, let indices = byQueue[queue], flags.count == indices.count else { continue }
            for (index, flag) in zip(indices, flags) { started[index] = flag == .integer(1) }
        }
        return started
    }
}
