import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import OpenAPIRuntime

/// The Posts routes. A new or retried post is committed as `queued` first, then pushed to the queue (job id = post id);
/// a cancelled post's job leaves the queue unless a worker already runs it (that run ends on its own, and the
/// recorder keeps the post `cancelled`).
extension APIHandlers {
    func listPosts(_ input: Operations.ListPosts.Input) async throws -> Operations.ListPosts.Output {
        let query = input.query
        let filter = PostFilter(
            campaignID: try query.campaignId.map { text throws(APIError) in try Self.uuid(text, field: "campaign_id") },
            accountID: try query.accountId.map { text throws(APIError) in try Self.uuid(text, field: "account_id") },
            status: query.status.flatMap { PostStatus(rawValue: $0.rawValue) }, from: query.from, to: query.to)
        let page = try await self.posts.list(filter, page: Self.page(cursor: query.cursor, limit: query.limit))
        return .ok(.init(body: .json(.init(items: page.items.map { Self.post($0) }, nextCursor: page.nextCursor))))
    }

    func getPost(_ input: Operations.GetPost.Input) async throws -> Operations.GetPost.Output {
        let detail = try await self.posts.get(id: Self.uuid(input.path.id))
        return .ok(.init(body: .json(Self.post(detail.post, events: detail.events))))
    }

    func createPost(_ input: Operations.CreatePost.Input) async throws -> Operations.CreatePost.Output {
        guard case .json(let body) = input.body else { throw APIError.validation([FieldProblem(field: "body", problem: "is required")]) }
        var problems: [FieldProblem] = []
        let mediaID = Self.bodyUUID(body.mediaId, field: "media_id", problems: &problems)
        let accountID = Self.bodyUUID(body.accountId, field: "account_id", problems: &problems)
        let mode = body.mode.flatMap { Post.Mode(rawValue: $0.rawValue) } ?? .directPost
        let now = try await self.clock.now()
        var runAt = now
        if let zone = body.timezone, TimeZone(identifier: zone) == nil {
            problems.append(FieldProblem(field: "timezone", problem: "must be an IANA time zone such as Europe/Paris"))
        } else if let at = body.at {
            // A local time is read in the given zone, else the account's (UTC when the account is unknown: create reports it).
            let account = if let accountID { try? await self.accounts.get(id: accountID) } else { Account?.none }
            let zoneName = body.timezone ?? account?.timezone ?? "UTC"
            if let zone = TimeZone(identifier: zoneName), let date = ImportTime.parse(at, in: zone) {
                runAt = max(date, now)
            } else {
                problems.append(FieldProblem(field: "at", problem: "must be a time like 2026-12-01T09:00:00 that exists in \(zoneName)"))
            }
        }
        let post = NewPost(
            accountID: accountID ?? UUID(), mediaID: mediaID ?? UUID(), caption: body.caption ?? "",
            postSettings: body.postSettings.map { Self.jsonObject($0) } ?? [:], mode: mode, runAt: runAt, idempotencyKey: "api:\(Self.text(UUID()))",
            maxAttempts: body.maxAttempts ?? self.configuration.maxAttempts, queue: self.configuration.queue, status: .queued)
        problems += post.problems
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let created = try await self.posts.create(post, actor: self.actor).post
        await self.enqueueAfterCommit([created.id], now: now)
        return .created(.init(body: .json(Self.post(created))))
    }

    func retryPost(_ input: Operations.RetryPost.Input) async throws -> Operations.RetryPost.Output {
        let id = try Self.uuid(input.path.id)
        _ = try await self.posts.get(id: id)
        // Refused before anything is written while a worker still runs the post's job (cancelled mid-run).
        let job = try await Self.queueCall { () async throws(JobQueueError) in try await self.inspector.job(queue: self.configuration.queue, id: JobID(id)) }
        if job?.state == JobState.active.rawValue {
            throw APIError(.conflict, code: "invalid_state", message: "the post's job is still running; retry it once the run ends")
        }
        let post = try await self.posts.retry(id: id, actor: self.actor)
        await self.requeueAfterCommit([id], now: try await self.clock.now(), removeStale: true)
        return .ok(.init(body: .json(Self.post(post))))
    }

    func cancelPost(_ input: Operations.CancelPost.Input) async throws -> Operations.CancelPost.Output {
        let id = try Self.uuid(input.path.id)
        let post = try await self.posts.cancel(id: id, actor: self.actor)
        do {
            let removal = try await self.inspector.remove(queue: self.configuration.queue, id: JobID(id))
            self.logger.info("post cancelled", metadata: ["job.id": "\(Self.text(id))", "job.removal": "\(removal.rawValue)"])
        } catch {
            self.logger.warning("post cancelled in PostgreSQL; its job could not be removed from Redis", metadata: ["job.id": "\(Self.text(id))"])
        }
        return .ok(.init(body: .json(Self.post(post))))
    }

    func retryFailedPosts(_ input: Operations.RetryFailedPosts.Input) async throws -> Operations.RetryFailedPosts.Output {
        var filter = PostFilter()
        if case .json(let body) = input.body {
            var problems: [FieldProblem] = []
            filter.campaignID = body.campaignId.flatMap { Self.bodyUUID($0, field: "campaign_id", problems: &problems) }
            filter.accountID = body.accountId.flatMap { Self.bodyUUID($0, field: "account_id", problems: &problems) }
            filter.from = body.from
            filter.to = body.to
            problems += filter.problems
            guard problems.isEmpty else { throw APIError.validation(problems) }
        }
        let ids = try await self.posts.retryFailed(filter, actor: self.actor)
        await self.requeueAfterCommit(ids, now: try await self.clock.now(), removeStale: false)
        return .ok(.init(body: .json(.init(retried: ids.count))))
    }

    func getPostStats(_ input: Operations.GetPostStats.Input) async throws -> Operations.GetPostStats.Output {
        let query = input.query
        let filter = PostFilter(
            campaignID: try query.campaignId.map { text throws(APIError) in try Self.uuid(text, field: "campaign_id") },
            accountID: try query.accountId.map { text throws(APIError) in try Self.uuid(text, field: "account_id") }, from: query.from, to: query.to)
        let stats = try await self.posts.stats(filter)
        let count = { (status: PostStatus) in stats.byStatus[status] ?? 0 }
        return .ok(
            .init(
                body: .json(
                    .init(
                        total: stats.total,
                        byStatus: .init(
                            pending: count(.pending), scheduled: count(.scheduled), queued: count(.queued), running: count(.running),
                            retrying: count(.retrying), unconfirmed: count(.unconfirmed), completed: count(.completed), failed: count(.failed),
                            cancelled: count(.cancelled), missed: count(.missed)),
                        perAccount: stats.perAccount.map {
                            .init(accountId: Self.text($0.accountID), total: $0.total, completed: $0.completed, failed: $0.failed)
                        },
                        perDay: stats.perDay.map { .init(date: $0.day, total: $0.total, completed: $0.completed, failed: $0.failed) },
                        perAccountDay: stats.perAccountDay.map {
                            .init(accountId: Self.text($0.accountID), date: $0.day, total: $0.total, completed: $0.completed, failed: $0.failed)
                        },
                        successRate: stats.successRate, medianSecondsToPublish: stats.medianSecondsToPublish))))
    }

    // MARK: - Conversions

    /// A body field that must be a UUID; a problem (422) when it is not.
    static func bodyUUID(_ text: String, field: String, problems: inout [FieldProblem]) -> UUID? {
        guard let id = UUID(uuidString: text) else {
            problems.append(FieldProblem(field: field, problem: "must be a UUID"))
            return nil
        }
        return id
    }

    static func post(_ post: Post, events: [PostEvent]? = nil) -> Components.Schemas.Post {
        Components.Schemas.Post(
            id: Self.text(post.id), campaignId: post.campaignID.map(Self.text), accountId: Self.text(post.accountID), mediaId: Self.text(post.mediaID),
            queue: post.queue, status: Components.Schemas.PostStatus(rawValue: post.status.rawValue) ?? .pending,
            mode: Components.Schemas.PublishMode(rawValue: post.mode.rawValue) ?? .directPost, runAt: post.runAt, caption: post.caption,
            postSettings: Self.postSettings(post.postSettings), attempts: post.attempts,
            maxAttempts: post.maxAttempts, publishId: post.publishID, tiktokPostIds: post.tiktokPostIDs, errorCode: post.errorCode,
            errorMessage: post.errorMessage, createdAt: post.createdAt, updatedAt: post.updatedAt, startedAt: post.startedAt,
            finishedAt: post.finishedAt, events: events.map { $0.map(Self.postEvent) })
    }

    /// The stored settings as the answer's type, field by field (a list of posts maps many; no JSON round trip).
    static func postSettings(_ stored: [String: JSONValue]) -> Components.Schemas.PostSettings? {
        guard let privacy = stored["privacy_level"]?.stringValue.flatMap(Components.Schemas.PrivacyLevel.init(rawValue:)) else { return nil }
        return Components.Schemas.PostSettings(
            privacyLevel: privacy, disableComment: stored["disable_comment"]?.boolValue, disableDuet: stored["disable_duet"]?.boolValue,
            disableStitch: stored["disable_stitch"]?.boolValue, brandContentToggle: stored["brand_content_toggle"]?.boolValue,
            brandOrganicToggle: stored["brand_organic_toggle"]?.boolValue, isAigc: stored["is_aigc"]?.boolValue,
            videoCoverTimestampMs: stored["video_cover_timestamp_ms"]?.intValue)
    }

    static func postEvent(_ event: PostEvent) -> Components.Schemas.PostEvent {
        Components.Schemas.PostEvent(
            id: event.id, event: event.event, fromStatus: event.fromStatus.flatMap { Components.Schemas.PostStatus(rawValue: $0.rawValue) },
            toStatus: event.toStatus.flatMap { Components.Schemas.PostStatus(rawValue: $0.rawValue) }, attempt: event.attempt,
            detail: Self.convert(event.detail, to: Components.Schemas.Facts.self), actor: event.actor, occurredAt: event.occurredAt)
    }
}
