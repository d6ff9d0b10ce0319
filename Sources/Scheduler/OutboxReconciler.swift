import CoreMetrics
import Domain
import Foundation
import JobQueue
import Logging
import Publishing
import Redis

/// Pushes again the posts PostgreSQL holds as `queued` that Redis does not know: the API died between its commit and
/// its push, or Redis lost the push (a crash within its `appendfsync everysec` second). A post is pushed again only
/// when, after the grace period, all of these hold — checked in this order, the order in which a job's traces vanish
/// (its results-stream entry goes once recorded, its hash expires after the retention):
/// 1. no job hash of it in Redis (ready, scheduled, running, dead, or completed within the retention);
/// 2. no entry of it waiting in a results stream (a result the recorder has not applied yet);
/// 3. no event of it recorded in PostgreSQL since it was last queued (a worker ran it).
///
/// So a job that ran is never made again, even after its hash expired. The push is the ordinary idempotent enqueue
/// (job id = post id): a post that reached Redis meanwhile is left alone.
struct OutboxReconciler: Sendable {
    let repository: SchedulerRepository
    let redis: RedisClient
    let enqueuer: PostEnqueuer
    let clock: RedisClock
    let queues: [String]
    let grace: Duration
    let fence: SchedulerFence
    let logger: Logger

    /// Posts looked at per pass.
    static let batch = 1000

    /// One pass. - Returns: How many posts were pushed again.
    @discardableResult
    func reconcile() async throws -> Int {
        let candidates = try await self.repository.outboxCandidates(grace: self.grace.timeInterval, limit: Self.batch)
        guard !candidates.isEmpty else { return 0 }
        let unknown = try await self.unknownToRedis(candidates)
        guard !unknown.isEmpty else { return 0 }
        let waiting = try await self.waitingInResults()
        let ran = try await self.repository.postsThatRanSinceQueued(unknown.filter { !waiting.contains($0) })
        let lost = unknown.filter { !waiting.contains($0) && !ran.contains($0) }
        for id in unknown where ran.contains(id) {
            self.logger.error(
                "a queued post ran but its job is gone from Redis; not pushed again (look at its events)",
                metadata: ["job.id": "\(id.uuidString.lowercased())"])
        }
        guard !lost.isEmpty else { return 0 }
        let marked = try await self.repository.markRequeued(lost, fence: self.fence)
        let now = try await self.clock.now()
        try await self.enqueuer.enqueue(ids: marked, now: now)
        Counter(label: "reelay.scheduler.outbox_requeued").increment(by: marked.count)
        self.logger.warning("pushed queued posts Redis did not know", metadata: ["count": "\(marked.count)"])
        return marked.count
    }

    /// The ids of which no queue holds a job hash.
    func unknownToRedis(_ ids: [UUID]) async throws -> [UUID] {
        let keys = try self.queues.map { try QueueKeys(queue: $0) }
        var commands: [RedisCommand] = []
        commands.reserveCapacity(ids.count * keys.count)
        for id in ids {
            for queue in keys { commands.append(RedisCommand(["EXISTS", queue.job(JobID(id))])) }
        }
        let replies = try await self.redis.pipeline(commands)
        var unknown: [UUID] = []
        for (index, id) in ids.enumerated() {
            let known = replies[(index * keys.count)..<((index + 1) * keys.count)].contains { $0.int == 1 }
            if !known { unknown.append(id) }
        }
        return unknown
    }

    /// Every job id with an entry in a results stream (bounded by the streams' length).
    func waitingInResults() async throws -> Set<UUID> {
        var ids: Set<UUID> = []
        for queue in self.queues {
            let stream = try QueueKeys(queue: queue).results
            var start = "-"
            while true {
                let reply = try await self.redis.send(["XRANGE", stream, start, "+", "COUNT", "1000"])
                let entries = reply.array ?? []
                for entry in entries {
                    let fields = entry.array?.last?.array ?? []
                    for index in stride(from: 0, to: fields.count - 1, by: 2) where fields[index].string == ResultEventField.job {
                        if let text = fields[index + 1].string, let id = UUID(uuidString: text) { ids.insert(id) }
                    }
                }
                guard entries.count == 1000, let last = entries.last?.array?.first?.string else { break }
                start = "(" + last
            }
        }
        return ids
    }
}
