import Foundation
import TestSupport
import Testing
import TikTok
import TikTokSandbox

/// Publishing against `reelay sandbox` over real HTTP: creator info, init, a streamed chunked upload, status polling.
@Suite struct SandboxPublishTests {
    @Test func creatorInfoReportsTheCreator() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator([
                "nickname": "Info Tester", "username": "info_tester", "max_video_post_duration_sec": 180,
                "privacy_level_options": ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
            ])
            let grant = try await sandbox.connect(openID)
            let info = try await sandbox.client.creatorInfo(accessToken: grant.accessToken)
            #expect(info.nickname == "Info Tester" && info.username == "info_tester")
            #expect(info.maxVideoPostDurationSeconds == 180)
            #expect(info.privacyLevelOptions == [.followerOfCreator, .mutualFollowFriends, .selfOnly])
        }
    }

    /// 12 MB with a real `ftyp` header in 5,242,880-byte chunks → 2 chunks, streamed; polled to PUBLISH_COMPLETE; the
    /// sandbox's SHA-256 of what arrived equals the file's.
    @Test func directPostWithAChunkedUploadCompletes() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            let file = try TestFile(size: 12_000_000)
            let plan = try ChunkPlan(videoSize: 12_000_000, chunkSize: 5_242_880)
            #expect(plan.chunkCount == 2)
            var post = PostInfo(privacyLevel: .selfOnly, title: "sandbox #test")
            post.disableComment = true
            let ticket = try await sandbox.client.initDirectPost(accessToken: grant.accessToken, postInfo: post, source: .fileUpload(plan))
            let uploadURL = try #require(ticket.uploadURL)
            let reports = ProgressLog()
            let final = try await sandbox.client.upload(file: file.path, to: uploadURL, plan: plan, contentType: .mp4) { reports.add($0) }
            #expect(final.isComplete)
            #expect(reports.all.map(\.receivedBytes) == [5_242_880, 12_000_000])

            let status = try await sandbox.client.waitForTerminalStatus(accessToken: grant.accessToken, publishID: ticket.publishID)
            #expect(status.state == .publishComplete, "\(status)")
            let recorded = try #require(try await sandbox.posts(of: openID).first { $0["publish_id"] as? String == ticket.publishID })
            #expect(recorded["sha256"] as? String == (try sha256(ofFile: file.path)))
            #expect(recorded["bytes_received"] as? Int == 12_000_000)
            #expect(recorded["privacy_level"] as? String == "SELF_ONLY")
            #expect(recorded["caption"] as? String == "sandbox #test")
        }
    }

    @Test func inboxUploadEndsInTheCreatorsInbox() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID, scopes: ["video.upload"])
            let file = try TestFile(size: 3_000_000)
            let plan = try ChunkPlan(videoSize: 3_000_000)
            let ticket = try await sandbox.client.initInbox(accessToken: grant.accessToken, source: .fileUpload(plan))
            _ = try await sandbox.client.upload(file: file.path, to: try #require(ticket.uploadURL), plan: plan, contentType: .mp4)
            let status = try await sandbox.client.waitForTerminalStatus(accessToken: grant.accessToken, publishID: ticket.publishID)
            #expect(status.state == .sendToUserInbox, "\(status)")
        }
    }

    /// A chunk whose reply is lost: the retry gets 416 with TikTok's progress, the client resyncs and finishes.
    @Test func a416ResyncsTheUpload() async throws {
        try await SandboxHarness.with { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            let file = try TestFile(size: 16_000_000)
            let plan = try ChunkPlan(videoSize: 16_000_000, chunkSize: 5_242_880)
            let ticket = try await sandbox.client.initDirectPost(
                accessToken: grant.accessToken, postInfo: PostInfo(privacyLevel: .selfOnly), source: .fileUpload(plan))
            let url = try #require(ticket.uploadURL)

            let early = await #expect(throws: TikTokError.self) {
                try await sandbox.client.upload(file: file.path, to: url, plan: plan, startingAtChunk: 1, contentType: .mp4)
            }
            #expect(early?.code == .uploadRangeMismatch && early?.receivedBytes == 0)

            try await sandbox.fault(["endpoint": "upload", "drop_responses": 1, "drop_mode": "close"])
            let lost = await #expect(throws: TikTokError.self) { try await sandbox.client.upload(file: file.path, to: url, plan: plan, contentType: .mp4) }
            #expect(lost?.classification == .transient, "\(String(describing: lost))")

            let mismatch = await #expect(throws: TikTokError.self) { try await sandbox.client.upload(file: file.path, to: url, plan: plan, contentType: .mp4) }
            #expect(mismatch?.code == .uploadRangeMismatch)
            let received = try #require(mismatch?.receivedBytes)
            #expect(received == 5_242_880, "chunk 0 arrived although its reply was lost")
            let next = plan.nextChunk(afterReceivedBytes: received)
            let final = try await sandbox.client.upload(file: file.path, to: url, plan: plan, startingAtChunk: next, contentType: .mp4)
            #expect(final.isComplete)
            let recorded = try await sandbox.posts(of: openID).first
            #expect(recorded?["sha256"] as? String == (try sha256(ofFile: file.path)))
        }
    }

    @Test func anExpiredUploadURLNeedsANewPublish() async throws {
        let clock = ManualClock()
        try await SandboxHarness.with(configure: { $0.uploadURLLifetime = .seconds(300); $0.clock = clock.read }) { sandbox in
            let openID = try await sandbox.createCreator()
            let grant = try await sandbox.connect(openID)
            let file = try TestFile(size: 1_000_000)
            let plan = try ChunkPlan(videoSize: 1_000_000)
            let ticket = try await sandbox.client.initDirectPost(
                accessToken: grant.accessToken, postInfo: PostInfo(privacyLevel: .selfOnly), source: .fileUpload(plan))
            clock.advance(by: .seconds(301))  // past the 300 s upload_url lifetime
            let error = await #expect(throws: TikTokError.self) {
                try await sandbox.client.upload(file: file.path, to: try #require(ticket.uploadURL), plan: plan, contentType: .mp4)
            }
            #expect(error?.code == .uploadURLExpired && error?.httpStatus == 403)
            #expect(error?.requiresNewPublish == true)
        }
    }
}
