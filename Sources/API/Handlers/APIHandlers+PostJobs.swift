import Domain
import Foundation
import JobQueue
import Logging

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
        var planned: [PlannedPost] = []
        for row in try await self.posts.publishRows(ids) where row.status == .queued {
            guard let post = Self.planned(row) else {
                self.logger.error("a queued post has unreadable post settings; not enqueued", metadata: ["job.id": "\(Self.text(row.postID))"])
                continue
            }
            planned.append(post)
        }
        try await self.enqueue(planned, now: now)
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

    /// A publish row as the campaigns' planned post (what ``enqueue(_:now:)`` takes); `nil` when a direct post's
    /// settings do not read (validation keeps them readable).
    static func planned(_ row: PublishRow) -> PlannedPost? {
        let mode: Campaign.Mode = row.mode == .inbox ? .inbox : .directPost
        let decoded = Self.decode(row.postSettings, as: PostSettings.self)
        guard let settings = decoded ?? (mode == .inbox ? PostSettings(privacyLevel: .selfOnly) : nil) else { return nil }
        return PlannedPost(
            id: row.postID, index: 0, accountID: row.accountID, mediaID: row.mediaID, mediaPath: row.mediaPath, sizeBytes: row.mediaSizeBytes,
            contentType: row.contentType, durationSeconds: row.durationSeconds, mode: mode, postSettings: settings, caption: row.caption,
            runAt: row.runAt, status: row.status, maxAttempts: row.maxAttempts, queue: row.queue, dailyCap: row.dailyCap, timeZone: row.timezone,
            idempotencyKey: "")
    }

    /// A stored JSON object as a Decodable type, `nil` when it does not fit.
    static func decode<Target: Decodable>(_ object: [String: JSONValue], as type: Target.Type) -> Target? {
        guard let data = try? JSONEncoder().encode(object) else { return nil }
        return try? JSONDecoder().decode(Target.self, from: data)
    }
}
