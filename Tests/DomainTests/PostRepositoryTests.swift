import Domain
import Foundation
import Postgres
import Testing

@Suite struct PostRepositoryTests {
    @Test func createIsIdempotentAndValidatesEveryField() async throws {
        try await withMigratedSchema { client in
            let repository = PostRepository(client: client)
            let account = try await Fixtures.account(client)
            let media = try await Fixtures.media(client)
            let first = try await Fixtures.post(client, account: account.id, media: media.id, key: "k-1")
            let again = try await repository.create(NewPost(
                accountID: account.id, mediaID: media.id, caption: "other", postSettings: [:], mode: .inbox, runAt: Date(), idempotencyKey: "k-1"))
            #expect(!again.created && again.post.id == first.id)
            #expect(try await client.query("SELECT count(*) AS n FROM posts")[0].decode("n", as: Int.self) == 1)

            let error = await expectDomainError(.invalidInput) {
                _ = try await repository.create(NewPost(
                    accountID: account.id, mediaID: media.id, caption: String(repeating: "x", count: 2201),
                    postSettings: ["privacy_level": .string("EVERYONE"), "bogus": .bool(true), "disable_duet": .string("yes")],
                    mode: .directPost, runAt: Date(), idempotencyKey: "", maxAttempts: 0))
            }
            #expect(Set(error?.details.map(\.field) ?? []) == [
                "caption", "idempotency_key", "post_settings.privacy_level", "post_settings.bogus", "post_settings.disable_duet", "max_attempts",
            ])
            let missing = await expectDomainError(.invalidInput) {
                _ = try await repository.create(NewPost(
                    accountID: UUID(), mediaID: UUID(), caption: "", postSettings: [:], mode: .inbox, runAt: Date(), idempotencyKey: "k-2"))
            }
            #expect(Set(missing?.details.map(\.field) ?? []) == ["account_id", "media_id"])
            _ = try await AccountRepository(client: client).update(id: account.id, .init(disabled: true))
            await expectDomainError(.invalidInput) {
                _ = try await repository.create(NewPost(
                    accountID: account.id, mediaID: media.id, caption: "", postSettings: [:], mode: .inbox, runAt: Date(), idempotencyKey: "k-3"))
            }
        }
    }

    @Test func stateChangesWriteEventsAndRespectTheStateMachine() async throws {
        try await withMigratedSchema { client in
            let repository = PostRepository(client: client)
            let account = try await Fixtures.account(client)
            let media = try await Fixtures.media(client)
            let post = try await Fixtures.post(client, account: account.id, media: media.id)
            #expect(post.status == .scheduled)
            #expect(try await repository.markQueued([post.id, UUID()], actor: "test") == [post.id])
            #expect(try await repository.markQueued([post.id]) == [], "already queued")
            await expectDomainError(.invalidState) { _ = try await repository.retry(id: post.id) }
            let cancelled = try await repository.cancel(id: post.id, actor: "test")
            #expect(cancelled.status == .cancelled && cancelled.finishedAt != nil)
            await expectDomainError(.invalidState) { _ = try await repository.cancel(id: post.id) }
            let retried = try await repository.retry(id: post.id, actor: "test")
            #expect(retried.status == .queued && retried.finishedAt == nil && retried.errorCode == nil)
            let detail = try await repository.get(id: post.id)
            #expect(detail.events.map(\.event) == ["post.created", "post.queued", "post.cancelled", "post.retried"])
            #expect(detail.events.map(\.toStatus) == [.scheduled, .queued, .cancelled, .queued])
            #expect(detail.events[1].fromStatus == .scheduled && detail.events[1].actor == "test")
            await expectDomainError(.notFound) { _ = try await repository.get(id: UUID()) }
            await expectDomainError(.notFound) { _ = try await repository.cancel(id: UUID()) }
        }
    }

    @Test func listFiltersAndRetryFailedTakesOnlyFailedPostsInRange() async throws {
        try await withMigratedSchema { client in
            let repository = PostRepository(client: client)
            let alice = try await Fixtures.account(client, nickname: "alice")
            let bob = try await Fixtures.account(client, nickname: "bob")
            let media = try await Fixtures.media(client)
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            var posts: [Post] = []
            for index in 0..<6 {
                posts.append(try await Fixtures.post(client, account: index < 4 ? alice.id : bob.id, media: media.id, runAt: base.addingTimeInterval(Double(index) * 3600)))
            }
            for post in posts[0..<3] { try await Fixtures.force(client, post: post.id, to: .failed) }
            try await Fixtures.force(client, post: posts[4].id, to: .failed)
            #expect(try await repository.list(PostFilter(accountID: bob.id)).items.map(\.id) == [posts[5].id, posts[4].id])
            #expect(try await repository.list(PostFilter(status: .failed, from: base.addingTimeInterval(3600), to: base.addingTimeInterval(5 * 3600))).items.count == 3)
            let page = try await repository.list(page: PageRequest(limit: 4))
            #expect(page.items.count == 4 && page.nextCursor != nil)
            await expectDomainError(.invalidInput) { _ = try await repository.list(PostFilter(from: base, to: base.addingTimeInterval(-1))) }

            let retried = try await repository.retryFailed(PostFilter(accountID: alice.id, from: base.addingTimeInterval(3600)), actor: "bulk")
            #expect(Set(retried) == [posts[1].id, posts[2].id])
            #expect(try await repository.get(id: posts[0].id).post.status == .failed)
            #expect(try await repository.get(id: posts[4].id).post.status == .failed)
            let events = try await repository.get(id: posts[1].id).events
            #expect(events.last?.event == "post.retried" && events.last?.detail["previous_error_code"] == .string("boom"))
        }
    }

    @Test func statsCountAndMedianAndPublishRowsCarryTheJobData() async throws {
        try await withMigratedSchema { client in
            let repository = PostRepository(client: client)
            let alice = try await Fixtures.account(client, nickname: "alice")
            let media = try await Fixtures.media(client, duration: 42.5)
            let runAt = Date().addingTimeInterval(-600)
            var posts: [Post] = []
            for _ in 0..<4 { posts.append(try await Fixtures.post(client, account: alice.id, media: media.id, runAt: runAt)) }
            // Finished 10 s, 20 s and 30 s after they were due (creation was later than run_at: created_at counts).
            for (index, seconds) in [10, 20, 30].enumerated() {
                _ = try await client.execute("""
                    UPDATE posts SET status = 'completed', finished_at = created_at + \(seconds) * interval '1 second' WHERE id = \(posts[index].id)
                    """)
            }
            try await Fixtures.force(client, post: posts[3].id, to: .failed)
            let stats = try await repository.stats()
            #expect(stats.byStatus[.completed] == 3 && stats.byStatus[.failed] == 1 && stats.total == 4)
            #expect(stats.successRate == 0.75)
            #expect(abs((stats.medianSecondsToPublish ?? 0) - 20) < 0.01)
            #expect(stats.perAccount.map(\.nickname) == ["alice"] && stats.perAccount.first?.completed == 3)
            #expect(stats.perDay.reduce(0) { $0 + $1.completed + $1.failed } == 4)
            let empty = try await repository.stats(from: Date().addingTimeInterval(86_400))
            #expect(empty.total == 0 && empty.successRate == nil && empty.medianSecondsToPublish == nil)

            let rows = try await repository.publishRows([posts[0].id, UUID()])
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.mediaPath == media.path && row.mediaSizeBytes == 1_000 && row.durationSeconds == 42.5 && row.dailyCap == 15)
            #expect(row.timezone == "UTC" && row.mode == .directPost && row.postSettings["privacy_level"] == .string("SELF_ONLY"))
        }
    }
}
