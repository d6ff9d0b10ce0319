import Foundation
import Postgres
import Testing

@testable import Domain

@Suite struct CampaignLifecycleTests {
    @Test func pauseAndResumeFollowTheStateMachine() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let draft = CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)])
            let campaign = try await repository.create(draft)
            await expectDomainError(.invalidState) { _ = try await repository.pause(campaign.id) }
            await expectDomainError(.invalidState) { _ = try await repository.resume(campaign.id) }
            let result = try await CampaignStarter(client: client).start(campaign.id)
            #expect(result.campaign.status == .running)
            #expect(try await repository.pause(campaign.id).status == .paused)
            await expectDomainError(.invalidState) { _ = try await repository.pause(campaign.id) }
            #expect(try await repository.resume(campaign.id).status == .running, "a post is due")
            _ = try await repository.pause(campaign.id)
            #expect(try await repository.resume(campaign.id, now: Date().addingTimeInterval(-3600)).status == .scheduled, "nothing due yet then")
            _ = try await repository.pause(campaign.id)
            try await CampaignFixtures.force(client, post: result.posts[0].id, to: .completed)
            #expect(try await repository.resume(campaign.id).status == .completed, "every post finished while paused")
            await expectDomainError(.invalidState) { _ = try await repository.pause(campaign.id) }
            await expectDomainError(.invalidState) { _ = try await repository.cancel(campaign.id) }
            await expectDomainError(.notFound) { _ = try await repository.pause(UUID()) }
        }
    }

    @Test func cancelCascadesToUnstartedPostsWithEvents() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let media = [try await CampaignFixtures.media(client), try await CampaignFixtures.media(client)]
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let campaign = try await repository.create(CampaignFixtures.draft(media: media, accounts: accounts))
            let posts = try await CampaignStarter(client: client).start(campaign.id).posts
            #expect(posts.count == 6)
            try await CampaignFixtures.force(client, post: posts[0].id, to: .running)
            try await CampaignFixtures.force(client, post: posts[1].id, to: .completed)
            try await CampaignFixtures.force(client, post: posts[2].id, to: .retrying)
            try await CampaignFixtures.force(client, post: posts[3].id, to: .unconfirmed)
            let outcome = try await repository.cancel(campaign.id, actor: "api_key:test")
            #expect(outcome.campaign.status == .cancelled)
            #expect(Set(outcome.cancelledPostIDs) == Set([posts[2].id, posts[4].id, posts[5].id]))
            #expect(Set(outcome.inFlightPostIDs) == Set([posts[0].id, posts[3].id]))
            let rows = try await client.query(
                """
                SELECT p.id, p.status, p.finished_at IS NOT NULL AS finished, e.from_status, e.actor, e.detail ->> 'reason' AS reason
                FROM posts p LEFT JOIN post_events e ON e.post_id = p.id AND e.event = 'post.cancelled'
                WHERE p.campaign_id = \(campaign.id)
                """)
            var statuses: [UUID: String] = [:]
            for row in rows {
                let id = try row.decode("id", as: UUID.self)
                statuses[id] = try row.decode("status", as: String.self)
                if outcome.cancelledPostIDs.contains(id) {
                    #expect(try row.decode("finished", as: Bool.self))
                    #expect(try row.decode("actor", as: String?.self) == "api_key:test")
                    #expect(try row.decode("reason", as: String?.self) == "campaign_cancelled")
                    #expect(try row.decode("from_status", as: String?.self) == (id == posts[2].id ? "retrying" : "queued"))
                } else {
                    #expect(try row.decode("from_status", as: String?.self) == nil, "no cancel event for a post left alone")
                }
            }
            #expect(statuses[posts[0].id] == "running" && statuses[posts[1].id] == "completed" && statuses[posts[3].id] == "unconfirmed")
            #expect(try await CampaignFixtures.eventCount(client, campaign: campaign.id, event: "post.cancelled") == 3)
            await expectDomainError(.invalidState) { _ = try await repository.cancel(campaign.id) }
            await expectDomainError(.invalidState) { _ = try await repository.resume(campaign.id) }
        }
    }

    @Test func cancellingADraftTouchesNoPost() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let campaign = try await repository.create(
                CampaignFixtures.draft(media: [try await CampaignFixtures.media(client)], accounts: [try await CampaignFixtures.account(client)]))
            let outcome = try await repository.cancel(campaign.id)
            #expect(outcome.campaign.status == .cancelled && outcome.cancelledPostIDs.isEmpty && outcome.inFlightPostIDs.isEmpty)
            await expectDomainError(.invalidState) { _ = try await CampaignStarter(client: client).start(campaign.id) }
        }
    }

    @Test func progressCountsEveryStatusIncludingZeros() async throws {
        try await withMigratedSchema { client in
            let repository = CampaignRepository(client: client)
            let media = [try await CampaignFixtures.media(client), try await CampaignFixtures.media(client)]
            let accounts = [try await CampaignFixtures.account(client), try await CampaignFixtures.account(client)]
            let campaign = try await repository.create(CampaignFixtures.draft(media: media, accounts: accounts))
            let empty = try await repository.progress(campaign.id)
            #expect(empty.total == 0 && empty.status == .draft)
            #expect(empty.byStatus.count == PostStatus.allCases.count && empty.byStatus.values.allSatisfy { $0 == 0 })
            let posts = try await CampaignStarter(client: client).start(campaign.id).posts
            try await CampaignFixtures.force(client, post: posts[0].id, to: .completed)
            try await CampaignFixtures.force(client, post: posts[1].id, to: .failed)
            try await CampaignFixtures.force(client, post: posts[2].id, to: .running)
            let progress = try await repository.progress(campaign.id)
            #expect(progress.total == 4 && progress.status == .running)
            #expect(progress.byStatus == [
                .pending: 0, .scheduled: 0, .queued: 1, .running: 1, .retrying: 0, .unconfirmed: 0, .completed: 1, .failed: 1, .cancelled: 0, .missed: 0,
            ])
            await expectDomainError(.notFound) { _ = try await repository.progress(UUID()) }
        }
    }
}
