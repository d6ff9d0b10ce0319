import Domain
import Foundation
import JobQueue
import NIOHTTP1
import Postgres
import Testing

@testable import API

/// The Posts routes against a running API, real PostgreSQL and real Redis: what each writes in both, what each refuses
/// (and that a refusal writes nothing), and the roles.
@Suite struct PostRoutesTests {
    @Test func createdPostIsQueuedAndItsJobWaitsInRedisNowOrAtItsTime() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let now = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","caption":"hi","post_settings":{"privacy_level":"SELF_ONLY"}}"#)
            #expect(now.status == 201)
            #expect(now.body["status"] as? String == "queued")
            #expect(now.body["queue"] as? String == api.configuration.queue)
            let nowID = try #require(now.body["id"] as? String)
            let job = try #require(try await RouteFixtures.job(api, nowID))
            #expect(job.state == "ready" && job.foundIn == ["ready"])
            #expect(job.name == "reelay.publish.video")
            #expect(job.maxAttempts == api.configuration.maxAttempts)

            // A local time in the given zone: 09:00 in Paris on a winter day is 08:00 UTC.
            let later = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","at":"2099-01-15T09:00:00","timezone":"Europe/Paris","mode":"inbox","max_attempts":3}"#)
            #expect(later.status == 201)
            let laterID = try #require(later.body["id"] as? String)
            let scheduled = try #require(try await RouteFixtures.job(api, laterID))
            let expected = try #require(ISO8601DateFormatter().date(from: "2099-01-15T08:00:00Z"))
            #expect(scheduled.state == "scheduled" && scheduled.scheduledFor == expected)
            #expect(scheduled.maxAttempts == 3)
            #expect(later.body["run_at"] as? String == "2099-01-15T08:00:00Z")

            let detail = try await api.send(.GET, "/api/v1/posts/\(nowID)", key: editor)
            #expect(detail.status == 200)
            #expect((detail.body["events"] as? [[String: Any]])?.map { $0["event"] as? String } == ["post.created"])
            #expect((detail.body["post_settings"] as? [String: Any])?["privacy_level"] as? String == "SELF_ONLY")
        }
    }

    @Test func createRefusesBadInputListingEveryFieldAndWritesNothing() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let bad = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"nope","account_id":"\#(account.id)","caption":"\#(String(repeating: "x", count: 2201))","timezone":"Mars/Olympus","max_attempts":0}"#)
            // The schema's rules first (every one listed), then the rules only the server knows (every one listed).
            #expect(bad.status == 422)
            #expect(bad.body.errorCode == "validation_failed")
            #expect(Set(bad.body.errorFields) == ["media_id", "caption", "max_attempts"])
            let stillBad = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"\#(UUID())","account_id":"\#(account.id)","caption":"hi","timezone":"Mars/Olympus","max_attempts":3}"#)
            #expect(stillBad.status == 422)
            #expect(Set(stillBad.body.errorFields) == ["timezone", "post_settings.privacy_level"])
            let badAt = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","at":"2099-03-29T02:30:00","timezone":"Europe/Paris","post_settings":{"privacy_level":"SELF_ONLY"}}"#)
            #expect(badAt.status == 422 && badAt.body.errorFields == ["at"])
            let missingAccount = try await api.send(
                .POST, "/api/v1/posts", key: editor,
                json: #"{"media_id":"\#(media.id)","account_id":"\#(UUID())","post_settings":{"privacy_level":"SELF_ONLY"}}"#)
            #expect(missingAccount.status == 422 && missingAccount.body.errorFields.contains("account_id"))
            let unknown = try await api.send(
                .POST, "/api/v1/posts", key: editor, json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","colour":"red"}"#)
            #expect(unknown.status == 400 && unknown.body.errorFields == ["colour"])
            let forbidden = try await api.send(
                .POST, "/api/v1/posts", key: viewer,
                json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","post_settings":{"privacy_level":"SELF_ONLY"}}"#)
            #expect(forbidden.status == 403)
            #expect(try await RouteFixtures.count(api, "posts") == 0)
            let stats = try await RouteFixtures.queueStats(api)
            #expect(stats.ready == 0 && stats.scheduled == 0)
        }
    }

    @Test func listFiltersByCampaignAccountStatusAndTimeAndPages() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let alice = try await RouteFixtures.account(api, nickname: "alice")
            let bob = try await RouteFixtures.account(api, nickname: "bob")
            let media = try await RouteFixtures.media(api)
            let day = Date(timeIntervalSince1970: 4_000_000_000)
            let first = try await RouteFixtures.post(api, account: alice.id, media: media.id, runAt: day)
            let second = try await RouteFixtures.post(api, account: alice.id, media: media.id, runAt: day.addingTimeInterval(3600))
            let third = try await RouteFixtures.post(api, account: bob.id, media: media.id, runAt: day.addingTimeInterval(7200))
            try await RouteFixtures.force(api, post: second.id, to: .failed)

            let all = try await api.send(.GET, "/api/v1/posts", key: viewer)
            #expect(all.status == 200)
            #expect(all.body.items.compactMap { $0["id"] as? String } == [third, second, first].map { $0.id.uuidString.lowercased() })
            let byAccount = try await api.send(.GET, "/api/v1/posts?account_id=\(alice.id)", key: viewer)
            #expect(Set(byAccount.body.items.compactMap { $0["id"] as? String }) == Set([first, second].map { $0.id.uuidString.lowercased() }))
            let failed = try await api.send(.GET, "/api/v1/posts?status=failed", key: viewer)
            #expect(failed.body.items.compactMap { $0["id"] as? String } == [second.id.uuidString.lowercased()])
            #expect(failed.body.items.first?["error_code"] as? String == "boom")
            let window = try await api.send(.GET, "/api/v1/posts?from=2096-10-02T07:50:00Z&to=2096-10-02T08:30:00Z", key: viewer)
            #expect(window.body.items.compactMap { $0["id"] as? String } == [second.id.uuidString.lowercased()])
            let noCampaign = try await api.send(.GET, "/api/v1/posts?campaign_id=\(UUID())", key: viewer)
            #expect(noCampaign.status == 200 && noCampaign.body.items.isEmpty)

            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.GET, "/api/v1/posts?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), key: viewer)
                #expect(page.status == 200 && page.body.items.count <= 2)
                seen += page.body.items.compactMap { $0["id"] as? String }
                cursor = page.body["next_cursor"] as? String
            } while cursor != nil && seen.count < 10
            #expect(seen == [third, second, first].map { $0.id.uuidString.lowercased() })

            #expect(try await api.send(.GET, "/api/v1/posts?campaign_id=nope", key: viewer).status == 400)
            #expect(try await api.send(.GET, "/api/v1/posts?status=lost", key: viewer).status == 400)
            let backwards = try await api.send(.GET, "/api/v1/posts?from=2096-10-03T00:00:00Z&to=2096-10-02T00:00:00Z", key: viewer)
            #expect(backwards.status == 422 && backwards.body.errorFields == ["to"])
            #expect(try await api.send(.GET, "/api/v1/posts?cursor=garbage", key: viewer).status == 422)
            #expect(try await api.send(.GET, "/api/v1/posts/\(UUID())", key: viewer).status == 404)
            #expect(try await api.send(.GET, "/api/v1/posts/not-a-uuid", key: viewer).status == 400)
        }
    }

    @Test func retryResetsAFailedPostAndPutsItsDeadJobBackWithItsCheckpoint() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let created = try await api.send(
                .POST, "/api/v1/posts", key: editor, json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","mode":"inbox"}"#)
            let id = try #require(created.body["id"] as? String)
            // Not failed yet: refused, nothing changes.
            let early = try await api.send(.POST, "/api/v1/posts/\(id)/retry", key: editor)
            #expect(early.status == 409 && early.body.errorCode == "invalid_state")
            _ = try #require(try await RouteFixtures.kill(api, queue: api.configuration.queue, checkpoint: #"{"publish_id":"p-1"}"#))
            try await RouteFixtures.force(api, post: try #require(UUID(uuidString: id)), to: .failed)
            #expect(try await RouteFixtures.job(api, id)?.state == "dead")

            #expect(try await api.send(.POST, "/api/v1/posts/\(id)/retry", key: viewer).status == 403)
            #expect(try await RouteFixtures.job(api, id)?.state == "dead")
            let retried = try await api.send(.POST, "/api/v1/posts/\(id)/retry", key: editor)
            #expect(retried.status == 200)
            #expect(retried.body["status"] as? String == "queued")
            #expect(retried.body["finished_at"] == nil && retried.body["error_code"] == nil && retried.body["error_message"] == nil)
            let job = try #require(try await RouteFixtures.job(api, id))
            #expect(job.state == "ready" && job.foundIn == ["ready"])
            #expect(job.checkpoint == #"{"publish_id":"p-1"}"#)
            let detail = try await api.send(.GET, "/api/v1/posts/\(id)", key: editor)
            #expect((detail.body["events"] as? [[String: Any]])?.last?["event"] as? String == "post.retried")

            #expect(try await api.send(.POST, "/api/v1/posts/\(UUID())/retry", key: editor).status == 404)
            #expect(try await api.send(.POST, "/api/v1/posts/nope/retry", key: editor).status == 400)
        }
    }

    @Test func cancelRemovesAWaitingJobAndACancelledPostRetriesAfresh() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let created = try await api.send(
                .POST, "/api/v1/posts", key: editor, json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","at":"2099-01-01T00:00:00Z","mode":"inbox"}"#)
            let id = try #require(created.body["id"] as? String)
            #expect(try await RouteFixtures.job(api, id)?.state == "scheduled")
            let cancelled = try await api.send(.POST, "/api/v1/posts/\(id)/cancel", key: editor)
            #expect(cancelled.status == 200 && cancelled.body["status"] as? String == "cancelled" && cancelled.body["finished_at"] != nil)
            #expect(try await RouteFixtures.job(api, id) == nil)
            #expect(try await RouteFixtures.queueStats(api).scheduled == 0)
            let again = try await api.send(.POST, "/api/v1/posts/\(id)/cancel", key: editor)
            #expect(again.status == 409)

            let retried = try await api.send(.POST, "/api/v1/posts/\(id)/retry", key: editor)
            #expect(retried.status == 200 && retried.body["status"] as? String == "queued")
            #expect(try await RouteFixtures.job(api, id)?.state == "scheduled")
        }
    }

    @Test func cancellingARunningPostLeavesTheRunAndRetryWaitsForIt() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let created = try await api.send(
                .POST, "/api/v1/posts", key: editor, json: #"{"media_id":"\#(media.id)","account_id":"\#(account.id)","mode":"inbox"}"#)
            let id = try #require(created.body["id"] as? String)
            _ = try #require(try await RouteFixtures.claim(api, queue: api.configuration.queue))
            let cancelled = try await api.send(.POST, "/api/v1/posts/\(id)/cancel", key: editor)
            #expect(cancelled.status == 200)
            #expect(try await RouteFixtures.job(api, id)?.state == "active")
            let retry = try await api.send(.POST, "/api/v1/posts/\(id)/retry", key: editor)
            #expect(retry.status == 409)
            let post = try await PostRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id))).post
            #expect(post.status == .cancelled)
        }
    }

    @Test func retryFailedRetriesTheMatchingFailedPostsAndAnswersHowMany() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let alice = try await RouteFixtures.account(api, nickname: "alice")
            let bob = try await RouteFixtures.account(api, nickname: "bob")
            let media = try await RouteFixtures.media(api)
            var failed: [Post] = []
            for account in [alice, alice, bob] {
                let post = try await RouteFixtures.post(api, account: account.id, media: media.id)
                try await RouteFixtures.force(api, post: post.id, to: .failed)
                failed.append(post)
            }
            let untouched = try await RouteFixtures.post(api, account: alice.id, media: media.id)

            #expect(try await api.send(.POST, "/api/v1/posts/retry-failed", key: viewer, json: "{}").status == 403)
            let bad = try await api.send(
                .POST, "/api/v1/posts/retry-failed", key: editor,
                json: #"{"account_id":"x","campaign_id":"y","from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#)
            #expect(bad.status == 422 && Set(bad.body.errorFields) == ["account_id", "campaign_id"])
            let backwards = try await api.send(
                .POST, "/api/v1/posts/retry-failed", key: editor, json: #"{"from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#)
            #expect(backwards.status == 422 && backwards.body.errorFields == ["to"])
            #expect(try await api.send(.POST, "/api/v1/posts/retry-failed", key: editor, json: #"{"colour":1}"#).status == 400)
            #expect(try await PostRepository(client: api.postgres).list(PostFilter(status: .failed)).items.count == 3)

            let forAlice = try await api.send(.POST, "/api/v1/posts/retry-failed", key: editor, json: #"{"account_id":"\#(alice.id)"}"#)
            #expect(forAlice.status == 200 && forAlice.body["retried"] as? Int == 2)
            for post in failed.prefix(2) {
                #expect(try await RouteFixtures.job(api, post.id.uuidString)?.state == "ready")
            }
            #expect(try await RouteFixtures.job(api, failed[2].id.uuidString) == nil)
            let rest = try await api.send(.POST, "/api/v1/posts/retry-failed", key: editor)
            #expect(rest.status == 200 && rest.body["retried"] as? Int == 1)
            #expect(try await RouteFixtures.queueStats(api).ready == 3)
            let status = try await PostRepository(client: api.postgres).get(id: untouched.id).post.status
            #expect(status == .scheduled)
        }
    }

    @Test func statsCountByStatusAccountAndDayWithTheSuccessRate() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let alice = try await RouteFixtures.account(api, nickname: "alice")
            let bob = try await RouteFixtures.account(api, nickname: "bob")
            let media = try await RouteFixtures.media(api)
            let day = try #require(ISO8601DateFormatter().date(from: "2026-01-10T10:00:00Z"))
            for (account, offset, status) in [
                (alice, 0.0, PostStatus.completed), (alice, 60, .completed), (alice, 86_400, .failed), (bob, 86_400, .completed), (bob, 90_000, .scheduled),
            ] {
                let post = try await RouteFixtures.post(api, account: account.id, media: media.id, runAt: day.addingTimeInterval(offset))
                if status != .scheduled { try await RouteFixtures.force(api, post: post.id, to: status) }
            }
            let all = try await api.send(.GET, "/api/v1/posts/stats", key: viewer)
            #expect(all.status == 200)
            #expect(all.body["total"] as? Int == 5)
            let byStatus = all.body["by_status"] as? [String: Any]
            #expect(byStatus?["completed"] as? Int == 3 && byStatus?["failed"] as? Int == 1 && byStatus?["scheduled"] as? Int == 1)
            #expect(all.body["success_rate"] as? Double == 0.75)
            #expect(all.body["median_seconds_to_publish"] is Double)
            let accounts = all.body["per_account"] as? [[String: Any]] ?? []
            #expect(accounts.map { $0["account_id"] as? String } == [alice.id, bob.id].map { $0.uuidString.lowercased() })
            #expect(accounts.map { $0["total"] as? Int } == [3, 2] && accounts.map { $0["completed"] as? Int } == [2, 1])
            let days = all.body["per_day"] as? [[String: Any]] ?? []
            #expect(days.map { $0["date"] as? String } == ["2026-01-10", "2026-01-11"])
            #expect(days.map { $0["total"] as? Int } == [2, 3] && days.map { $0["failed"] as? Int } == [0, 1])

            let bobOnly = try await api.send(.GET, "/api/v1/posts/stats?account_id=\(bob.id)", key: viewer)
            #expect(bobOnly.body["total"] as? Int == 2 && bobOnly.body["success_rate"] as? Double == 1)
            let firstDay = try await api.send(.GET, "/api/v1/posts/stats?from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z", key: viewer)
            #expect(firstDay.body["total"] as? Int == 2)
            let none = try await api.send(.GET, "/api/v1/posts/stats?campaign_id=\(UUID())", key: viewer)
            #expect(none.body["total"] as? Int == 0 && none.body["success_rate"] == nil)
            #expect(try await api.send(.GET, "/api/v1/posts/stats?account_id=zz", key: viewer).status == 400)
            let backwards = try await api.send(.GET, "/api/v1/posts/stats?from=2026-01-11T00:00:00Z&to=2026-01-10T00:00:00Z", key: viewer)
            #expect(backwards.status == 422)
        }
    }
}
