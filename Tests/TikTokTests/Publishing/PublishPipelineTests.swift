import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import Testing
import TikTok
import TikTokSandbox

/// The publish pipeline in a worker (in this process) against the sandbox and a real Redis: how each kind of refusal
/// from TikTok ends the job, and how waiting works.
@Suite struct PublishPipelineTests {
    @Test func aPublishCompletesWithOnePostAndItsOutcomeInTheCheckpoint() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            try await run.running { try await run.waitForState("completed") }
            let posts = try await sandbox.posts(of: run.openID)
            #expect(posts.count == 1 && posts.first?["status"] as? String == "PUBLISH_COMPLETE")
            #expect(try await run.checkpoint().contains("\"outcome\":\"published\""))
            #expect(try await run.field(JobHashField.attempt) == "1", "snoozed polls use no attempt")
            await run.redis.shutdown()
        }
    }

    /// TikTok says the creator may not post (HTTP 200 from creator_info): the post fails without an init, and the
    /// account is held so its other jobs stop too.
    @Test func aBannedCreatorFailsThePostAndHoldsTheAccount() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            try await sandbox.fault(["endpoint": "creator_info", "force_error": ["open_id": run.openID, "code": "spam_risk_user_banned_from_posting"]])
            try await run.running { try await run.waitForState("dead") }
            #expect(try await run.field(JobHashField.lastError)?.hasPrefix("spam_risk_user_banned_from_posting") == true)
            #expect(try await sandbox.posts(of: run.openID).isEmpty, "no init was sent")
            #expect(try await AccountHolds(redis: run.redis).current(run.accountID)?.reason == .restricted)
            await run.redis.shutdown()
        }
    }

    /// The stored privacy level is no longer offered by the creator: the worker fails the post instead of choosing
    /// another level, and sends nothing.
    @Test func aPrivacyLevelNoLongerOfferedFailsWithoutAnInit() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox, creator: ["privacy_level_options": ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]])
            try await run.running { try await run.waitForState("dead") }
            #expect(try await run.field(JobHashField.lastError)?.hasPrefix("privacy_level_not_offered") == true)
            #expect(try await sandbox.posts(of: run.openID).isEmpty)
            await run.redis.shutdown()
        }
    }

    /// A rate-limit answer snoozes the job for at least a minute without using an attempt.
    @Test func aRateLimitSnoozesWithoutUsingAnAttempt() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            try await sandbox.fault(["endpoint": "video_init", "force_error": ["open_id": run.openID, "code": "rate_limit_exceeded"]])
            try await run.running { try await run.waitForState("scheduled") }
            #expect(try await run.field(JobHashField.attempt) == "0", "the snooze gave the attempt back")
            let runAt = try #require(try await run.field(JobHashField.runAt).flatMap(Double.init))
            #expect(runAt / 1000 - Date().timeIntervalSince1970 > 50, "waits about a minute")
            await run.redis.shutdown()
        }
    }

    /// No final status by the deadline: the post is `unconfirmed` and checked later, never posted again.
    @Test func aSlowTikTokMakesThePostUnconfirmedNotRepublished() async throws {
        try await SandboxHarness.with(configure: { $0.processingTime = .seconds(600) }) { sandbox in
            let run = try await PipelineRun.make(sandbox) { configuration in
                configuration.confirmationDeadline = .milliseconds(300)
                configuration.recheckInterval = .seconds(60)
            }
            try await run.running {
                try await run.waitUntil("unconfirmed") { try await run.checkpoint().contains("\"unconfirmed\":true") }
            }
            #expect(try await run.field(JobHashField.state) == "scheduled")
            #expect(try await sandbox.posts(of: run.openID).count == 1, "one publish, still processing")
            await run.redis.shutdown()
        }
    }

    /// A media path outside the media root (`..`, absolute, or a symbolic link leading out) fails the post before any
    /// call to TikTok; nothing outside the root is read.
    @Test(arguments: ["../outside.mp4", "/etc/hostname", "symlink"])
    func aMediaPathOutsideTheRootIsRefused(path: String) async throws {
        try await SandboxHarness.with { sandbox in
            let linkName = "link-out-\(UUID().uuidString).mp4"
            let run = try await PipelineRun.make(sandbox, mediaPath: path == "symlink" ? linkName : path)
            let link = URL(fileURLWithPath: run.file.path).deletingLastPathComponent().path + "/" + linkName
            // The link's target is a valid video of the right size outside the root: only the confinement stops it.
            let outside = "/var/tmp/reelay-outside-\(UUID().uuidString).mp4"
            if path == "symlink" {
                try FileManager.default.copyItem(atPath: run.file.path, toPath: outside)
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
            }
            defer {
                try? FileManager.default.removeItem(atPath: link)
                try? FileManager.default.removeItem(atPath: outside)
            }
            try await run.running { try await run.waitForState("dead") }
            #expect(try await run.field(JobHashField.lastError)?.hasPrefix("media_unavailable") == true)
            #expect(try await sandbox.posts(of: run.openID).isEmpty, "nothing was sent to TikTok")
            await run.redis.shutdown()
        }
    }

    /// Without a usable token in the cache the job waits (no attempt used) and records since when.
    @Test func aMissingTokenWaitsForARefresh() async throws {
        try await SandboxHarness.with { sandbox in
            let run = try await PipelineRun.make(sandbox)
            try await run.tokens.remove(account: run.accountID)
            try await run.running { try await run.waitForState("scheduled") }
            #expect(try await run.checkpoint().contains("waiting_for_token_since_ms"))
            #expect(try await run.field(JobHashField.attempt) == "0")
            await run.redis.shutdown()
        }
    }
}

/// One publish job on a queue of its own, with a processor running the pipeline.
struct PipelineRun {
    let redis: RedisClient
    let broker: RedisJobBroker
    let queue: String
    let keys: QueueKeys
    let tokens: TokenCache
    let processor: JobProcessor
    let accountID: String
    let openID: String
    let jobID: JobID
    let file: TestFile

    /// `handlerEnded`, when given, sees how each run of the handler ended (nil: it returned).
    static func make(
        _ sandbox: SandboxHarness, creator: [String: any Sendable] = [:], mediaPath: String? = nil, videoSize: Int = 6_000_000,
        configure: (inout PublishConfiguration) -> Void = { _ in }, handlerEnded: (@Sendable ((any Error)?) -> Void)? = nil
    ) async throws -> PipelineRun {
        let redis = try RedisClient(url: try await TestEnvironment.redisURL())
        let openID = try await sandbox.createCreator(creator)
        let grant = try await sandbox.connect(openID)
        let accountID = UUID().uuidString.lowercased()
        let tokens = TokenCache(redis: redis, cipher: try TokenCipher(keySetting: try EncryptionKeyring.generateKeyEntry(id: "k1")))
        try await tokens.put(account: accountID, accessToken: grant.accessToken, openID: openID, expiresAt: Date().addingTimeInterval(3600))
        let file = try TestFile(size: videoSize)
        var configuration = PublishConfiguration(mediaRoot: URL(fileURLWithPath: file.path).deletingLastPathComponent().path)
        configuration.firstPollDelay = .milliseconds(100)
        configure(&configuration)
        var registry = JobRegistry()
        let pipeline = PublishPipeline(client: sandbox.client, tokens: tokens, redis: redis, configuration: configuration)
        if let handlerEnded {
            registry.register(PublishVideo.self) { job, context in
                do {
                    try await pipeline.run(job, context: context)
                    handlerEnded(nil)
                } catch {
                    handlerEnded(error)
                    throw error
                }
            }
        } else {
            pipeline.register(in: &registry)
        }
        let queue = TestEnvironment.uniqueName("pipe").lowercased()
        var worker = WorkerConfiguration(workerID: "test-\(UUID().uuidString.prefix(6))")
        worker.queues = [.init(queue)]
        worker.claimWait = .milliseconds(200)
        let broker = RedisJobBroker(client: redis)
        let post = PostInfo(privacyLevel: .publicToEveryone, title: "pipeline test")
        let job = PublishVideo(
            accountID: accountID, mediaPath: mediaPath ?? URL(fileURLWithPath: file.path).lastPathComponent, videoSize: Int64(videoSize),
            durationSeconds: 20,
            postInfo: post)
        let request = try JobRequest(job)
        _ = try await broker.enqueue([request], queue: queue, now: Date())
        return PipelineRun(
            redis: redis, broker: broker, queue: queue, keys: try QueueKeys(queue: queue), tokens: tokens,
            processor: JobProcessor(broker: broker, registry: registry, configuration: worker, logger: Logger(label: "test")),
            accountID: accountID, openID: openID, jobID: request.options.id, file: file)
    }

    /// Runs the processor and a forwarder until `body` returns.
    func running(_ body: () async throws -> Void) async throws {
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [self.queue]
        let forwarder = MaintenanceLoop.forwarder(broker: self.broker, configuration: maintenance, logger: Logger(label: "test"))
        try await withRunningServices([forwarder, self.processor], body)
    }

    func field(_ name: String) async throws -> String? { try await self.redis.send(["HGET", self.keys.job(self.jobID), name]).string }

    func checkpoint() async throws -> String { try await self.field(JobHashField.checkpoint) ?? "" }

    func waitForState(_ state: String) async throws {
        try await self.waitUntil("state \(state)") { try await self.field(JobHashField.state) == state }
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        try await eventually(what, timeout: timeout, poll: .milliseconds(50), condition)
    }
}
