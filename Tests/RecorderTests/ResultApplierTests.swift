import Domain
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// ``ResultApplier`` against a real PostgreSQL, each test in a schema of its own.
@Suite struct ResultApplierTests {
    func event(
        _ kind: ResultEvent.Kind, _ post: UUID, _ position: String, attempt: Int = 1, error: String? = nil, publish: PublishFacts? = nil,
        at: Date = Date(), queue: String = "publish"
    ) -> ResultEvent {
        ResultEvent(
            queue: queue, streamID: StreamPosition(position)!, kind: kind, postID: post, jobName: "reelay.publish.video", attempt: attempt,
            at: at, error: error, publish: publish)
    }

    func applier(_ fixture: RecorderFixture) -> ResultApplier { ResultApplier(client: fixture.postgres, logger: Logger(label: "test")) }

    @Test func aRunIsRecordedAndItsCampaignCompletesWithItsLastPost() async throws {
        try await RecorderFixture.with { fixture in
            let account = try await fixture.account()
            let campaign = try await fixture.campaign()
            let first = try await fixture.post(account: account, campaign: campaign)
            let second = try await fixture.post(account: account, campaign: campaign)
            let facts = PublishFacts(publishID: "v_pub_file~1", tiktokPostIDs: ["731"], outcome: "published")
            let result = try await self.applier(fixture).apply([
                self.event(.progress, first, "10-0"),
                self.event(.progress, first, "11-0", publish: PublishFacts(publishID: "v_pub_file~1")),
                self.event(.progress, first, "12-0", publish: PublishFacts(publishID: "v_pub_file~1")),  // adds nothing
                self.event(.completed, first, "13-0", publish: facts),
            ])
            #expect(result.recorded == 3 && result.applied == 3 && result.coalesced == 1 && result.campaignsCompleted == 0)
            #expect(try await fixture.post(first, "status", as: String.self) == "completed")
            #expect(try await fixture.post(first, "publish_id", as: String?.self) == "v_pub_file~1")
            #expect(try await fixture.post(first, "tiktok_post_ids", as: [String].self) == ["731"])
            #expect(try await fixture.post(first, "started_at", as: Date?.self) != nil)
            #expect(try await fixture.post(first, "finished_at", as: Date?.self) != nil)
            #expect(try await fixture.post(first, "attempts", as: Int.self) == 1)
            #expect(try await fixture.history(first).map(\.to) == ["running", "running", "completed"])
            #expect(try await fixture.history(first).map(\.streamID) == ["publish:10-0", "publish:11-0", "publish:13-0"])
            #expect(try await fixture.column("campaigns", campaign, "status", as: String.self) == "running", "the second post is not done")

            let last = try await self.applier(fixture).apply([self.event(.dead, second, "14-0", attempt: 5, error: "invalid_param: bad cover")])
            #expect(last.campaignsCompleted == 1)
            #expect(try await fixture.column("campaigns", campaign, "status", as: String.self) == "completed")
            #expect(try await fixture.post(second, "status", as: String.self) == "failed")
            #expect(try await fixture.post(second, "error_code", as: String?.self) == "invalid_param")
            #expect(try await fixture.post(second, "attempts", as: Int.self) == 5)
        }
    }

    @Test func anEventSeenTwiceIsAppliedOnce() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            let retry = self.event(.retrying, post, "20-0", attempt: 1, error: "TikTokError(code: internal_error, status: 500)")
            let first = try await self.applier(fixture).apply([retry, retry])
            #expect(first.recorded == 1 && first.duplicates == 1)
            let again = try await self.applier(fixture).apply([retry])
            #expect(again.recorded == 0 && again.duplicates == 1 && again.applied == 0)
            #expect(try await fixture.history(post).count == 1)
            #expect(try await fixture.post(post, "status", as: String.self) == "retrying")
            #expect(try await fixture.post(post, "error_code", as: String?.self) == "internal_error")
        }
    }

    @Test func aLateOlderEventDoesNotUndoANewerState() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            try await self.applier(fixture).apply([self.event(.completed, post, "30-0", attempt: 2)])
            // Entries read before the completion by a recorder that died, claimed afterwards.
            let late = try await self.applier(fixture).apply([
                self.event(.retrying, post, "29-0", attempt: 1, error: "TikTokError(code: timeout)"),
                self.event(.recovered, post, "29-1", attempt: 1),
            ])
            #expect(late.recorded == 2 && late.applied == 0)
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")
            #expect(try await fixture.post(post, "error_code", as: String?.self) == nil)
            #expect(try await fixture.history(post).map(\.to) == ["completed", nil, nil])
            // A newer failure of some stray run does not reopen it either.
            try await self.applier(fixture).apply([self.event(.dead, post, "31-0", attempt: 3, error: "x")])
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")

            // Out of order between non-terminal states too: the later progress wins over an older retry.
            let other = try await fixture.post(account: try await fixture.account())
            try await self.applier(fixture).apply([self.event(.progress, other, "41-0", attempt: 2)])
            try await self.applier(fixture).apply([self.event(.retrying, other, "40-0", attempt: 1, error: "boom")])
            #expect(try await fixture.post(other, "status", as: String.self) == "running")
            #expect(try await fixture.post(other, "attempts", as: Int.self) == 2)
        }
    }

    @Test func onlyAnExplicitRetryReopensAFailedPost() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            try await self.applier(fixture).apply([self.event(.dead, post, "50-0", attempt: 3, error: "stalled too often")])
            #expect(try await fixture.post(post, "error_code", as: String?.self) == FailureText.fallbackCode)
            try await self.applier(fixture).apply([self.event(.progress, post, "51-0", attempt: 1)])
            #expect(try await fixture.post(post, "status", as: String.self) == "failed", "a terminal post ignores newer events")
            // The API's retry: back to queued, then the new run's events apply.
            _ = try await fixture.postgres.execute(
                "UPDATE posts SET status = 'queued', finished_at = NULL, error_code = NULL WHERE id = \(post)")
            try await self.applier(fixture).apply([self.event(.progress, post, "52-0", attempt: 1)])
            #expect(try await fixture.post(post, "status", as: String.self) == "running")
            try await self.applier(fixture).apply([self.event(.completed, post, "53-0", attempt: 1)])
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")
            #expect(try await fixture.post(post, "attempts", as: Int.self) == 3, "attempts never go down")
        }
    }

    @Test func failuresChangeTheAccountOnlyForward() async throws {
        try await RecorderFixture.with { fixture in
            let reauth = try await fixture.account()
            let throttled = try await fixture.account()
            let disabled = try await fixture.account(status: "disabled")
            let banned = try await fixture.account(status: "cooldown")
            let posts = [
                try await fixture.post(account: reauth), try await fixture.post(account: throttled), try await fixture.post(account: disabled),
                try await fixture.post(account: banned),
            ]
            let result = try await self.applier(fixture).apply([
                self.event(.dead, posts[0], "60-0", error: "access_token_invalid: the account cannot post: access_token_invalid"),
                self.event(.dead, posts[1], "60-1", error: "spam_risk_too_many_posts: TikTok failed the publish: spam_risk_too_many_posts"),
                self.event(.dead, posts[2], "60-2", error: "account_needs_reauth: no usable access token for the account"),
                self.event(.dead, posts[3], "60-3", error: "spam_risk_user_banned_from_posting: TikTok failed the publish"),
            ])
            #expect(result.accountsChanged == 3)
            #expect(try await fixture.column("accounts", reauth, "status", as: String.self) == "needs_reauth")
            #expect(try await fixture.column("accounts", reauth, "status_reason", as: String?.self) == "access_token_invalid")
            #expect(try await fixture.column("accounts", throttled, "status", as: String.self) == "cooldown")
            let until = try await fixture.column("accounts", throttled, "cooldown_until", as: Date?.self)
            #expect(until.map { abs($0.timeIntervalSinceNow - 6 * 3600) < 120 } == true, "cooldown for 6 h from the event")
            #expect(try await fixture.column("accounts", disabled, "status", as: String.self) == "disabled", "an operator's choice stays")
            #expect(try await fixture.column("accounts", banned, "status", as: String.self) == "restricted")
            #expect(try await fixture.post(posts[0], "error_code", as: String?.self) == "access_token_invalid")

            // A weaker or older signal changes nothing: cooldown after restricted, and a failure older than a reconnect.
            let weaker = try await fixture.post(account: banned)
            try await self.applier(fixture).apply([self.event(.dead, weaker, "61-0", error: "spam_risk_too_many_posts: again")])
            #expect(try await fixture.column("accounts", banned, "status", as: String.self) == "restricted")
            _ = try await fixture.postgres.execute("UPDATE accounts SET status = 'active', updated_at = now() WHERE id = \(reauth)")
            let old = try await fixture.post(account: reauth)
            try await self.applier(fixture).apply([
                self.event(.dead, old, "62-0", error: "access_token_invalid: x", at: Date().addingTimeInterval(-600))
            ])
            #expect(try await fixture.column("accounts", reauth, "status", as: String.self) == "active")
        }
    }

    @Test func unknownJobsAreSkippedAndABadEventDoesNotBlockItsBatch() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            let bad = try await fixture.post(account: try await fixture.account())
            let result = try await self.applier(fixture).apply([
                self.event(.completed, UUID(), "70-0"),  // a bench job: no post row
                self.event(.retrying, bad, "70-1", attempt: Int(Int32.max) + 1, error: "x"),  // attempts overflow: 22003
                self.event(.completed, post, "70-2"),
            ])
            #expect(result.unknownPosts == 1)
            #expect(result.rejected == 1)
            #expect(result.applied == 1)
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")
            #expect(try await fixture.post(bad, "status", as: String.self) == "queued")
            #expect(try await fixture.history(bad).isEmpty)
        }
    }

    @Test func aCompletionOfACancelledPostKeepsItCancelledButRecordsWhatWentOut() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account(), status: "cancelled")
            try await self.applier(fixture).apply([
                self.event(.completed, post, "80-0", publish: PublishFacts(publishID: "v_pub_url~9", tiktokPostIDs: ["99"]))
            ])
            #expect(try await fixture.post(post, "status", as: String.self) == "cancelled")
            #expect(try await fixture.post(post, "publish_id", as: String?.self) == "v_pub_url~9")
            #expect(try await fixture.history(post).map(\.to) == [nil])
        }
    }
}
