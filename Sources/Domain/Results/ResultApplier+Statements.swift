import Foundation
import Postgres

/// The `detail` JSON of a recorded event.
struct ResultEventDetail: Encodable {
    var queue: String
    var jobName: String?
    var error: String?
    var runAt: String?
    var publishID: String?
    var tiktokPostIDs: [String]?
    var outcome: String?
    var failReason: String?
    /// Why the event changed nothing (`stale`, `terminal`); absent when it was applied.
    var ignored: String?

    enum CodingKeys: String, CodingKey {
        case queue, jobName = "job_name", error, runAt = "run_at", publishID = "publish_id", tiktokPostIDs = "tiktok_post_ids"
        case outcome, failReason = "fail_reason", ignored
    }
}

/// The statements of a batch.
extension BatchRun {
    /// Inserts the event's history row; `false` when its stream id is already recorded (a redelivery).
    func insertHistory(_ event: ResultEvent, from: String, to: String?, ignored: String?) async throws -> Bool {
        let facts = event.publish
        let detail = ResultEventDetail(
            queue: event.queue, jobName: event.jobName, error: self.clipped(event.error), runAt: event.runAt?.formatted(.iso8601),
            publishID: facts?.publishID, tiktokPostIDs: facts.map(\.tiktokPostIDs).flatMap { $0.isEmpty ? nil : $0 },
            outcome: facts?.outcome, failReason: facts?.failReason, ignored: ignored)
        let rows = try await self.connection.query("""
            INSERT INTO post_events (post_id, event, from_status, to_status, attempt, detail, actor, stream_id, occurred_at)
            VALUES (\(event.postID), \(event.kind.rawValue), \(from), \(to), \(max(event.attempt, 0)), \(json: detail), 'worker',
                    \(event.recordID), \(event.at))
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING id
            """)
        return !rows.isEmpty
    }

    /// Moves the post to `status` and writes what the event tells about it.
    func updatePost(_ event: ResultEvent, to status: String, publishID: String?) async throws {
        let finishedAt: Date? = PostTransition.terminal.contains(status) ? event.at : nil
        var setError = true
        var code: String?
        var message: String?
        switch event.kind {
        case .retrying:
            code = event.error.flatMap(FailureText.code(in:))
            message = self.clipped(event.error)
        case .dead:
            code = event.error.flatMap(FailureText.code(in:)) ?? event.publish?.failReason ?? FailureText.fallbackCode
            message = self.clipped(event.error) ?? ""
        case .completed:
            break  // a success clears the last retry's error (the history keeps it)
        case .progress, .recovered, .snoozed:
            setError = false
        }
        let postIDs = event.kind == .completed ? (event.publish?.tiktokPostIDs ?? []) : []
        _ = try await self.connection.execute("""
            UPDATE posts SET
                status = \(status),
                attempts = GREATEST(attempts, \(max(event.attempt, 0))),
                last_result_id = \(event.streamID.description),
                started_at = CASE WHEN \(status == "running") THEN COALESCE(started_at, \(event.at)) ELSE started_at END,
                finished_at = \(finishedAt),
                error_code = CASE WHEN \(setError) THEN \(code) ELSE error_code END,
                error_message = CASE WHEN \(setError) THEN \(message) ELSE error_message END,
                publish_id = CASE WHEN \(publishID)::text IS NOT NULL
                                   AND NOT EXISTS (SELECT 1 FROM posts other WHERE other.publish_id = \(publishID) AND other.id <> \(event.postID))
                             THEN \(publishID) ELSE publish_id END,
                tiktok_post_ids = CASE WHEN cardinality(\(postIDs)::text[]) > 0 THEN \(postIDs)::text[] ELSE tiktok_post_ids END,
                updated_at = now()
            WHERE id = \(event.postID)
            """)
    }

    /// Keeps the publish ids of a `completed` event whose post stays as it is (a cancelled post that went out anyway).
    func recordPublish(_ facts: PublishFacts, post: UUID) async throws {
        guard facts.publishID != nil || !facts.tiktokPostIDs.isEmpty else { return }
        _ = try await self.connection.execute("""
            UPDATE posts SET
                publish_id = CASE WHEN \(facts.publishID)::text IS NOT NULL
                                   AND NOT EXISTS (SELECT 1 FROM posts other WHERE other.publish_id = \(facts.publishID) AND other.id <> \(post))
                             THEN \(facts.publishID) ELSE publish_id END,
                tiktok_post_ids = CASE WHEN cardinality(\(facts.tiktokPostIDs)::text[]) > 0 THEN \(facts.tiktokPostIDs)::text[] ELSE tiktok_post_ids END,
                updated_at = now()
            WHERE id = \(post)
            """)
    }

    /// Marks `completed` each campaign of the batch (`running` or `scheduled`) whose posts are now all terminal.
    ///
    /// The campaigns are locked first, in id order, and checked by a later statement: two batches finishing a
    /// campaign's last two posts at once then run one after the other, and the second sees the first's posts (with
    /// one statement under READ COMMITTED, each could miss the other's and neither complete the campaign).
    mutating func completeCampaigns() async throws {
        guard !self.campaigns.isEmpty else { return }
        let ids = self.campaigns.map { $0.uuidString.lowercased() }.sorted()
        _ = try await self.connection.query("SELECT id FROM campaigns WHERE id = ANY(\(ids)::uuid[]) ORDER BY id FOR UPDATE")
        self.result.campaignsCompleted += try await self.connection.execute("""
            UPDATE campaigns c SET status = 'completed', updated_at = now()
            WHERE c.id = ANY(\(ids)::uuid[]) AND c.status IN ('running', 'scheduled')
              AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.campaign_id = c.id AND p.status NOT IN ('completed', 'failed', 'cancelled', 'missed'))
            """)
    }

    /// Applies the accounts' changes, in id order. A change only makes an account's status stronger (`active` <
    /// `cooldown` < `needs_reauth` < `restricted`; a longer cooldown extends a shorter one), never touches a
    /// `disabled` account (an operator's decision), and is dropped when the account changed after the event (it was
    /// reconnected or edited since: the failure is older news) or when the cooldown it asks for has already ended.
    mutating func changeAccounts() async throws {
        for (account, change) in self.accounts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let isCooldown = change.effect == .cooldown
            let until = change.at.addingTimeInterval(Double(self.applier.configuration.cooldown.components.seconds))
            self.result.accountsChanged += try await self.connection.execute("""
                UPDATE accounts SET
                    status = \(change.effect.status),
                    status_reason = \(change.code),
                    cooldown_until = CASE WHEN \(isCooldown) THEN \(until) ELSE cooldown_until END,
                    updated_at = now()
                WHERE id = \(account) AND status <> 'disabled' AND updated_at <= \(change.at)
                  AND (NOT \(isCooldown) OR \(until) > now())
                  AND (CASE status WHEN 'active' THEN 0 WHEN 'cooldown' THEN 1 WHEN 'needs_reauth' THEN 2 WHEN 'restricted' THEN 3 ELSE 4 END
                           < \(change.effect.rawValue)
                       OR (status = 'cooldown' AND \(isCooldown) AND cooldown_until < \(until)))
                """)
        }
    }
}
