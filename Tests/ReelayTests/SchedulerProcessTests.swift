import Crypto
import Foundation
import Logging
import Postgres
import Redis
import TestSupport
import Testing

/// `reelay scheduler` as real processes, with `reelay api`, `reelay worker` and the sandbox: a `kill -9` of the
/// leading scheduler, of the API between its commit and its push, and of Redis right after an enqueue. Each ends with
/// every post `completed` in PostgreSQL and exactly one post per post in the sandbox.
@Suite(.serialized) struct SchedulerProcessTests {
    @Test func killingTheLeaderHandsOverWithinTheLeaseAndNothingFiresTwice() async throws {
        try await FullFlow.with { flow in
            let (accounts, media) = try await flow.connectAndUpload(creators: 2)
            let lease = Duration.seconds(3)
            let schedulers = try (0..<2).map { _ in try flow.startScheduler(["--scheduler-lease", "3s", "--look-ahead", "2s"]) }
            defer { for process in schedulers { process.signal(SIGKILL) } }
            let redis = try flow.redisClient()
            defer { Task { await redis.shutdown() } }
            let leader = try await eventuallyValue("a scheduler to lead", timeout: .seconds(30), poll: .milliseconds(50)) {
                try await redis.send(["GET", "reelay:scheduler:leader"]).string
            }
            let leading = try #require(schedulers.first { process in process.serverPID.map { leader.contains(":\($0):") } ?? false })
            // 12 timed posts due over the next 3 to 9 seconds; the look-ahead makes the leader load them a few at a time.
            let posts = try await flow.insertTimedPosts(accounts: accounts, media: media, perAccount: 6, from: 3, every: 0.5)
            let worker = try flow.startWorker(extra: ["--maintenance", "false"])
            defer { worker.signal(SIGKILL) }
            try await Task.sleep(for: .milliseconds(4500))
            leading.signal(SIGKILL)
            let killed = ContinuousClock.now
            let successor = try await eventuallyValue("another scheduler to lead", timeout: .seconds(20), poll: .milliseconds(20)) { () -> String? in
                let id = try await redis.send(["GET", "reelay:scheduler:leader"]).string
                return id != nil && id != leader ? id : nil
            }
            let takeover = ContinuousClock.now - killed
            print("scheduler takeover after kill -9: \(takeover) (lease \(lease))")
            #expect(successor != leader)
            #expect(takeover <= lease + .seconds(1), "takeover took \(takeover)")
            try await flow.expectEveryPostPublishedOnce(posts, accounts: accounts, perAccount: 6)
            // Operators see the new leader in /readyz and in `reelay queue stats`.
            try await eventually("readyz names the new leader", timeout: .seconds(10), poll: .milliseconds(200)) {
                let ready = try await flow.raw("GET", flow.apiURL + "/readyz").json["scheduler"] as? [String: Any]
                return ready?["leader"] as? String == successor && ready?["status"] as? String == "ok"
            }
            let stats = try await ReelayBinary.run(["queue", "stats", "--json"], environment: flow.environment)
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
            #expect((figures["scheduler"] as? [String: Any])?["leader"] as? String == successor)
            let queuedEvents = try await flow.postgres.query(
                "SELECT post_id, count(*) AS n FROM post_events WHERE event = 'post.queued' GROUP BY post_id")
            #expect(queuedEvents.count == posts.count)
            for row in queuedEvents { #expect(try row.decode("n", as: Int.self) == 1) }
        }
    }

    /// A leader frozen (SIGSTOP) past its lease is replaced; when it wakes (SIGCONT) its fencing token is stale, so it
    /// writes nothing and steps down, and every post still fires exactly once.
    @Test func aFrozenLeaderThatWakesUpWritesNothing() async throws {
        try await FullFlow.with { flow in
            let (accounts, media) = try await flow.connectAndUpload(creators: 2)
            let schedulers = try (0..<2).map { _ in try flow.startScheduler(["--scheduler-lease", "2s", "--look-ahead", "2s"]) }
            defer { for process in schedulers { process.signal(SIGCONT); process.signal(SIGKILL) } }
            let redis = try flow.redisClient()
            defer { Task { await redis.shutdown() } }
            let leader = try await eventuallyValue("a scheduler to lead", timeout: .seconds(30), poll: .milliseconds(50)) {
                try await redis.send(["GET", "reelay:scheduler:leader"]).string
            }
            let frozen = try #require(schedulers.first { process in process.serverPID.map { leader.contains(":\($0):") } ?? false })
            frozen.signal(SIGSTOP)
            let successor = try await eventuallyValue("the other to lead", timeout: .seconds(20), poll: .milliseconds(20)) { () -> String? in
                let id = try await redis.send(["GET", "reelay:scheduler:leader"]).string
                return id != nil && id != leader ? id : nil
            }
            // Posts come due while the old leader sleeps; it wakes up in the middle of them.
            let posts = try await flow.insertTimedPosts(accounts: accounts, media: media, perAccount: 4, from: 1, every: 0.5)
            let worker = try flow.startWorker(extra: ["--maintenance", "false"])
            defer { worker.signal(SIGKILL) }
            try await Task.sleep(for: .seconds(2))
            frozen.signal(SIGCONT)
            try await flow.expectEveryPostPublishedOnce(posts, accounts: accounts, perAccount: 4)
            #expect(try await redis.send(["GET", "reelay:scheduler:leader"]).string == successor)
            let fence = try await flow.postgres.query("SELECT leader FROM scheduler_fence")
            #expect(try fence.first?.decode("leader", as: String.self) == successor)
            let queuedEvents = try await flow.postgres.query(
                "SELECT post_id, count(*) AS n FROM post_events WHERE event = 'post.queued' GROUP BY post_id")
            #expect(queuedEvents.count == posts.count)
            for row in queuedEvents { #expect(try row.decode("n", as: Int.self) == 1) }
        }
    }

    @Test func anAPIKilledBetweenItsCommitAndItsPushLosesNothing() async throws {
        try await FullFlow.with(apiArguments: ["--crash-at", "start-committed"]) { flow in
            let (accounts, media) = try await flow.connectAndUpload(creators: 2)
            let campaign = try await flow.createCampaign(accounts: accounts, media: media)
            // The API dies after committing the posts as `queued`, before pushing them: the request gets no answer.
            let started = try? await flow.api("POST", "/api/v1/campaigns/\(campaign)/start", key: flow.adminKey)
            #expect(started == nil || started?.status != 202)
            let posts = try await flow.postIDs()
            #expect(posts.count == 2)
            let redis = try flow.redisClient()
            defer { Task { await redis.shutdown() } }
            for post in posts { #expect(try await redis.send(["EXISTS", "reelay:{publish}:job:\(post)"]).int == 0) }
            let api = try await flow.startAPI()
            defer { api.signal(SIGKILL) }
            let scheduler = try flow.startScheduler(["--outbox-grace", "2s"])
            defer { scheduler.signal(SIGKILL) }
            let worker = try flow.startWorker(extra: ["--maintenance", "false"])
            defer { worker.signal(SIGKILL) }
            try await flow.expectEveryPostPublishedOnce(posts, accounts: accounts, perAccount: 1)
            let requeued = try await flow.postgres.query("SELECT count(*) AS n FROM post_events WHERE event = 'post.requeued'")
            #expect(try requeued.first?.decode("n", as: Int.self) == 2)
        }
    }

    /// With `appendonly yes` (`appendfsync everysec`), a `kill -9` of redis-server keeps what it acknowledged (the AOF is
    /// written before replies; only a host crash loses the unsynced second); without persistence Redis comes back
    /// empty, as after a failover to a replica that lagged. Either way every post is published exactly once.
    @Test(arguments: [true, false]) func redisKilledRightAfterAnEnqueueLosesNothing(appendOnly: Bool) async throws {
        try await FullFlow.with(appendOnlyRedis: appendOnly) { flow in
            let (accounts, media) = try await flow.connectAndUpload(creators: 2)
            let campaign = try await flow.createCampaign(accounts: accounts, media: media)
            let started = try await flow.api("POST", "/api/v1/campaigns/\(campaign)/start", key: flow.adminKey)
            #expect(started.status == 202)
            // Within the AOF's one-second fsync window: the enqueue may or may not survive.
            try await flow.redis.kill()
            try await flow.redis.start()
            let posts = try await flow.postIDs()
            let redis = try flow.redisClient()
            defer { Task { await redis.shutdown() } }
            var survived = 0
            for post in posts where try await redis.send(["EXISTS", "reelay:{publish}:job:\(post)"]).int == 1 { survived += 1 }
            print("redis crash (appendonly \(appendOnly)): \(posts.count - survived) of \(posts.count) enqueued jobs lost")
            if !appendOnly { #expect(survived == 0) }
            let scheduler = try flow.startScheduler(["--outbox-grace", "2s"])
            defer { scheduler.signal(SIGKILL) }
            let worker = try flow.startWorker(extra: ["--maintenance", "false"])
            defer { worker.signal(SIGKILL) }
            try await flow.expectEveryPostPublishedOnce(posts, accounts: accounts, perAccount: 1)
            let requeued = try await flow.postgres.query("SELECT count(*) AS n FROM post_events WHERE event = 'post.requeued'")
            // What Redis lost, the reconciler pushed again; what it kept, it left alone.
            #expect(try requeued.first?.decode("n", as: Int.self) == posts.count - survived)
        }
    }
}

extension FullFlow {
    /// A client of the private Redis (shut it down when done).
    func redisClient() throws -> RedisClient {
        RedisClient(configuration: try RedisConfiguration(url: self.redis.url), logger: Logger(label: "test"))
    }

    /// Connects `creators` sandbox creators through the OAuth routes and uploads one video; returns the account ids and
    /// the media id.
    func connectAndUpload(creators: Int) async throws -> (accounts: [String], media: String) {
        var accounts: [String] = []
        for openID in self.openIDs.prefix(creators) {
            let connect = try await self.api("POST", "/api/v1/accounts/connect", key: self.adminKey, json: "{}")
            let authorize = try #require(connect.json["authorize_url"] as? String)
            let consent = try await self.raw("GET", authorize + "&sandbox_open_id=" + openID)
            let callback = try #require(consent.headers.first { $0.name.lowercased() == "location" }?.value)
            let connected = try await self.raw("GET", callback)
            let account = try #require(try JSONSerialization.jsonObject(with: Data(connected.body)) as? [String: Any])
            accounts.append(try #require(account["id"] as? String))
        }
        let video = MediaFixture.mp4(mediaBytes: 400_000, durationMs: 6_000, width: 720, height: 1280)
        let boundary = "sched-\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
        body += video + Array("\r\n--\(boundary)--\r\n".utf8)
        let upload = try await self.api("POST", "/api/v1/media", key: self.adminKey, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        return (accounts, try #require(upload.json["id"] as? String))
    }

    /// A draft campaign posting `media` now to `accounts`; returns its id.
    func createCampaign(accounts: [String], media: String) async throws -> String {
        let ids = accounts.map { "\"\($0)\"" }.joined(separator: ", ")
        let created = try await self.api(
            "POST", "/api/v1/campaigns", key: self.adminKey,
            json: """
                {"name": "crash", "mode": "direct_post", "media_ids": ["\(media)"], "post_settings": {"privacy_level": "SELF_ONLY"},
                 "account_selection": {"account_ids": [\(ids)]}, "schedule": {"type": "now"}}
                """)
        return try #require(created.json["id"] as? String)
    }

    /// Every post id (lowercase text).
    func postIDs() async throws -> [String] {
        try await self.postgres.query("SELECT id::text AS id FROM posts ORDER BY id").map { try $0.decode("id", as: String.self) }
    }

    /// Inserts `perAccount` timed posts per account as `scheduled`, due from `from` seconds on, one every `every`
    /// seconds (on PostgreSQL's clock, which shares the host's with Redis here); returns their ids.
    func insertTimedPosts(accounts: [String], media: String, perAccount: Int, from: Double, every: Double) async throws -> [String] {
        var ids: [String] = []
        var index = 0
        for account in accounts {
            for _ in 0..<perAccount {
                let id = UUID().uuidString.lowercased()
                let offset = from + Double(index) * every / Double(accounts.count)
                _ = try await self.postgres.execute(
                    """
                    INSERT INTO posts (id, account_id, media_id, status, run_at, caption, post_settings, idempotency_key)
                    VALUES (\(id)::uuid, \(account)::uuid, \(media)::uuid, 'scheduled', now() + make_interval(secs => \(offset)), \("timed \(index)"),
                            '{"privacy_level": "SELF_ONLY"}'::jsonb, \("timed:\(id)"))
                    """)
                _ = try await self.postgres.execute(
                    "INSERT INTO post_events (post_id, event, to_status, actor) VALUES (\(id)::uuid, 'post.created', 'scheduled', 'test')")
                ids.append(id)
                index += 1
            }
        }
        return ids
    }

    /// Waits until every post of `posts` is `completed`, then checks the sandbox holds exactly `perAccount` posts per
    /// connected creator: none lost, none twice.
    func expectEveryPostPublishedOnce(_ posts: [String], accounts: [String], perAccount: Int) async throws {
        try await eventually("every post completed", timeout: .seconds(120), poll: .milliseconds(250)) {
            let rows = try await self.postgres.query("SELECT count(*) AS n FROM posts WHERE status = 'completed'")
            return try rows.first?.decode("n", as: Int.self) == posts.count
        }
        for openID in self.openIDs.prefix(accounts.count) {
            let published = try await self.sandboxPosts(openID: openID)
            #expect(published.count == perAccount, "creator \(openID) has \(published.count) posts, expected \(perAccount)")
        }
    }
}
