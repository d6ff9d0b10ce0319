import Domain
import Foundation
import JobQueue
import Logging
import Publishing

/// The Redis side of the post routes. PostgreSQL is written first (the post row is the outbox); the queue is changed
/// after the commit. A queue change that fails then is logged, not answered as an error: the post is `queued` in
/// PostgreSQL and the scheduler's outbox sweep pushes it again under the same job id.
extension APIHandlers {
    var posts: PostRepository { PostRepository(client: self.postgres) }

    var inspector: QueueInspector { QueueInspector(client: self.redis) }

    /// Who did it, for `post_events.actor`.
    var actor: String? { Caller.current.map { "api_key:" + $0.prefix } }

    /// Enqueues the `queued` posts among `ids` through the campaigns' bulk enqueue (job id = post id, so a post Redis
    /// already holds is left alone): due ones go to the ready list, later ones to the scheduled set at their run time.
    func enqueuePosts(_ ids: [UUID], now: Date) async throws {
        try await self.enqueuer.enqueue(ids: ids, now: now)
    }

    /// Puts posts that PostgreSQL just set back to `queued` into the queue again: a dead job goes back to ready with its
    /// checkpoint (so a publish whose upload completed is never started twice), any other is enqueued afresh.
    /// `removeStale` first deletes what Redis still holds of each job unless it is dead or running (a cancelled post's
    /// finished job, which would otherwise make the enqueue a no-op).
    func requeueAfterCommit(_ ids: [UUID], now: Date, removeStale: Bool) async {
        guard !ids.isEmpty else { return }
        let queue = self.configuration.queue
        do {
            let jobs = ids.map { JobID($0) }
            if removeStale {
                for job in jobs {
                    guard try await self.inspector.job(queue: queue, id: job)?.state != JobState.dead.rawValue else { continue }
                    _ = try await self.inspector.remove(queue: queue, id: job)
                }
            }
            _ = try await self.inspector.retryDead(queue: queue, ids: jobs, now: now)
            try await self.enqueuePosts(ids, now: now)
        } catch {
            self.logger.warning("posts queued in PostgreSQL but not pushed to Redis; the outbox sweep will push them", metadata: ["count": "\(ids.count)"])
        }
    }

    /// ``enqueuePosts(_:now:)`` after a commit: a failure is logged (the outbox sweep covers it).
    func enqueueAfterCommit(_ ids: [UUID], now: Date) async {
        guard !ids.isEmpty else { return }
        do {
            try await self.enqueuePosts(ids, now: now)
        } catch {
            self.logger.warning("posts queued in PostgreSQL but not pushed to Redis; the outbox sweep will push them", metadata: ["count": "\(ids.count)"])
        }
    }
}
