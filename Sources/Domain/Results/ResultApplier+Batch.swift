import Foundation
import Logging
import Postgres

/// The state of one post inside a batch, read (and locked) at its start and kept current as events change it.
struct PostSnapshot: Sendable {
    var status: String
    var campaignID: UUID?
    var accountID: UUID
    var publishID: String?
    var lastResult: StreamPosition?
}

/// An account change a batch asks for: the strongest effect seen, from its latest event.
struct AccountChange: Sendable {
    var effect: FailureText.AccountEffect
    var code: String
    var at: Date
}

/// One batch inside its transaction.
struct BatchRun {
    let applier: ResultApplier
    let connection: PostgresConnection
    /// Each event inside a savepoint, dropped alone when the database refuses it (the slow path).
    let isolated: Bool
    var posts: [UUID: PostSnapshot] = [:]
    var campaigns: Set<UUID> = []
    var accounts: [UUID: AccountChange] = [:]
    var result = ResultApplication()

    init(applier: ResultApplier, connection: PostgresConnection, isolated: Bool) {
        self.applier = applier
        self.connection = connection
        self.isolated = isolated
    }

    mutating func run(_ events: [ResultEvent]) async throws -> ResultApplication {
        try await self.lockPosts(Set(events.map(\.postID)))
        for event in events {
            guard self.posts[event.postID] != nil else {
                self.result.unknownPosts += 1
                continue
            }
            guard self.isolated else {
                try await self.apply(event)
                continue
            }
            let saved = (self.posts, self.campaigns, self.accounts, self.result)
            _ = try await self.connection.execute("SAVEPOINT reelay_result_event")
            do {
                try await self.apply(event)
                _ = try await self.connection.execute("RELEASE SAVEPOINT reelay_result_event")
            } catch let error as PostgresError where ResultApplier.isDataError(error) {
                _ = try await self.connection.execute("ROLLBACK TO SAVEPOINT reelay_result_event")
                (self.posts, self.campaigns, self.accounts, self.result) = saved
                self.result.rejected += 1
                self.applier.logger.error(
                    "the database refused a result event; it is dropped",
                    metadata: ["event": "\(event.recordID)", "job.id": "\(event.postID.uuidString.lowercased())", "error": "\(error)"])
            }
        }
        try await self.completeCampaigns()
        try await self.changeAccounts()
        return self.result
    }

    /// Reads and locks the batch's posts, in id order (two recorders' batches then lock shared posts in one order).
    mutating func lockPosts(_ ids: Set<UUID>) async throws {
        let texts = ids.map { $0.uuidString.lowercased() }.sorted()
        let rows = try await self.connection.query("""
            SELECT id, status, campaign_id, account_id, publish_id, last_result_id FROM posts
            WHERE id = ANY(\(texts)::uuid[]) ORDER BY id FOR UPDATE
            """)
        for row in rows {
            let last: String? = try row.decode("last_result_id")
            self.posts[try row.decode("id")] = PostSnapshot(
                status: try row.decode("status"), campaignID: try row.decode("campaign_id"), accountID: try row.decode("account_id"),
                publishID: try row.decode("publish_id"), lastResult: last.flatMap { StreamPosition($0) })
        }
    }

    /// Records one event of a known post and applies it when it is new.
    mutating func apply(_ event: ResultEvent) async throws {
        guard var post = self.posts[event.postID] else { return }
        let transition = PostTransition.decide(status: post.status, publishID: post.publishID, lastResult: post.lastResult, event: event)
        if transition == .coalesce {
            self.result.coalesced += 1
            return
        }
        let toStatus: String? = if case .apply(let status) = transition { status } else { nil }
        let ignored: String? = if case .ignore(let reason) = transition { reason } else { nil }
        guard try await self.insertHistory(event, from: post.status, to: toStatus, ignored: ignored) else {
            self.result.duplicates += 1
            return
        }
        self.result.recorded += 1
        self.noteAccountEffect(of: event, account: post.accountID)
        if let toStatus {
            try await self.updatePost(event, to: toStatus, publishID: self.newPublishID(event, post: post))
            self.result.applied += 1
            post.status = toStatus
            post.lastResult = event.streamID
            if let id = event.publish?.publishID { post.publishID = id }
            if PostTransition.terminal.contains(toStatus), let campaign = post.campaignID { self.campaigns.insert(campaign) }
        } else if event.kind == .completed, let facts = event.publish {
            try await self.recordPublish(facts, post: event.postID)
        }
        self.posts[event.postID] = post
    }

    /// The event's `publish_id` when it is new to the post.
    func newPublishID(_ event: ResultEvent, post: PostSnapshot) -> String? {
        guard let id = event.publish?.publishID, id != post.publishID else { return nil }
        return id
    }

    /// Remembers what a failure says about the post's account (applied once, at the end of the batch).
    mutating func noteAccountEffect(of event: ResultEvent, account: UUID) {
        guard event.kind == .dead || event.kind == .retrying else { return }
        let text = [event.error, event.publish?.failReason].compactMap { $0 }.joined(separator: " ")
        guard let (effect, code) = FailureText.accountEffect(of: text) else { return }
        if let known = self.accounts[account], known.effect > effect || (known.effect == effect && known.at >= event.at) { return }
        self.accounts[account] = AccountChange(effect: effect, code: code, at: event.at)
    }

    /// `text` cut to the configured length.
    func clipped(_ text: String?) -> String? {
        text.map { String($0.prefix(self.applier.configuration.maximumErrorLength)) }
    }
}
