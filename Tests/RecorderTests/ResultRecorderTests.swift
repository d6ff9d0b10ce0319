import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Recorder
import Redis
import TestSupport
import Testing

/// ``ResultRecorder`` against the real Redis and PostgreSQL: stream entries written as the broker writes them.
@Suite struct ResultRecorderTests {
    @Test func appliesEntriesWrittenBeforeItStartedThenAcknowledgesAndTrimsThem() async throws {
        try await RecorderFixture.with { fixture in
            let account = try await fixture.account()
            let campaign = try await fixture.campaign()
            let post = try await fixture.post(account: account, campaign: campaign)
            let bench = UUID()
            // Written before any recorder (or group) exists: the group starts at 0, so they are not lost.
            try await fixture.append(.progress, post: post)
            try await fixture.append(.completed, post: bench, name: "bench.noop")
            try await fixture.append(.retrying, post: post, error: "TikTokError(code: internal_error, status: 500)", runAt: Date())
            try await fixture.checkpoint(post, #"{"publish_id":"v_pub_file~7","post_ids":[42],"outcome":"published","upload_complete":true}"#)
            try await withRunningServices([try fixture.recorder()]) {
                try await eventually("the retry is recorded") { try await fixture.post(post, "status", as: String.self) == "retrying" }
                try await fixture.append(.progress, post: post, attempt: 2)
                try await fixture.append(.completed, post: post, attempt: 2)
                try await eventually("the post completes") { try await fixture.post(post, "status", as: String.self) == "completed" }
                try await eventually("everything is acknowledged") { try await fixture.pendingCount() == 0 }
                try await eventually("acknowledged history is trimmed") { try await fixture.streamLength() == 0 }
            }
            #expect(try await fixture.post(post, "publish_id", as: String?.self) == "v_pub_file~7")
            #expect(try await fixture.post(post, "tiktok_post_ids", as: [String].self) == ["42"])
            #expect(try await fixture.post(post, "attempts", as: Int.self) == 2)
            #expect(try await fixture.history(post).map(\.to) == ["running", "retrying", "running", "completed"])
            #expect(try await fixture.column("campaigns", campaign, "status", as: String.self) == "completed")
        }
    }

    /// A worker's ack batch is one stream entry naming several jobs (the broker's `completeMany`): the recorder applies
    /// one completion per job, each recorded once under its own id (`<queue>:<entry>`, then `/1`, `/2`…).
    @Test func aBatchOfCompletionsInOneEntryCompletesEveryPostOnce() async throws {
        try await RecorderFixture.with { fixture in
            let account = try await fixture.account()
            var posts: [UUID] = []
            for _ in 0..<3 { posts.append(try await fixture.post(account: account)) }
            let requests = posts.map { JobRequest(name: "reelay.publish.video", payload: "{}", options: EnqueueOptions(id: JobID($0))) }
            _ = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: Date())
            let jobs = try await fixture.broker.claim(
                queue: fixture.queue, worker: "w", limit: 3, leaseDuration: .seconds(30), wait: .zero, now: Date())
            #expect(try await fixture.broker.complete(jobs, now: Date()).isEmpty)
            #expect(try await fixture.streamLength() == 1, "one entry for the batch")
            try await withRunningServices([try fixture.recorder()]) {
                for post in posts {
                    try await eventually("post \(post) completes") { try await fixture.post(post, "status", as: String.self) == "completed" }
                }
                try await eventually("the entry is acknowledged") { try await fixture.pendingCount() == 0 }
            }
            var recordIDs: [[String]] = []
            for post in posts { recordIDs.append(try await fixture.history(post).compactMap { $0.streamID }) }
            #expect(recordIDs.allSatisfy { $0.count == 1 }, "each post recorded once: \(recordIDs)")
            let ids = recordIDs.flatMap { $0 }
            #expect(Set(ids).count == 3)
            let entry = try #require(ids.first { !$0.contains("/") })
            #expect(Set(ids) == [entry, entry + "/1", entry + "/2"])
        }
    }

    @Test func entriesADeadRecorderLeftPendingAreClaimedAndAppliedOnce() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            let late = try await fixture.post(account: try await fixture.account())
            let progress = try await fixture.append(.progress, post: late)
            let completed = try await fixture.append(.completed, post: post)
            // A recorder read both, applied the completion (committed) and died before its XACK.
            _ = try await fixture.redis.send(["XGROUP", "CREATE", fixture.stream, "reelay-recorder", "0", "MKSTREAM"])
            let read = try await fixture.redis.send([
                "XREADGROUP", "GROUP", "reelay-recorder", "dead-recorder", "COUNT", "10", "STREAMS", fixture.stream, ">",
            ])
            #expect(read.array?.first?.array?[1].array?.count == 2)
            try await ResultApplier(client: fixture.postgres).apply([
                ResultEvent(queue: fixture.queue, streamID: StreamPosition(completed)!, kind: .completed, postID: post, attempt: 1, at: Date())
            ])
            #expect(try await fixture.pendingCount() == 2)

            try await withRunningServices([try fixture.recorder(consumer: "survivor", claimIdle: .milliseconds(300))]) {
                try await eventually("the dead recorder's entries are claimed and acknowledged") { try await fixture.pendingCount() == 0 }
            }
            #expect(try await fixture.history(post).count == 1, "the completion was recorded once")
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")
            #expect(try await fixture.history(late).map(\.streamID) == ["\(fixture.queue):\(progress)"])
            #expect(try await fixture.post(late, "status", as: String.self) == "running")
        }
    }

    @Test func anOlderEntryClaimedAfterANewerOneDoesNotUndoIt() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            try await fixture.append(.retrying, post: post, error: "TikTokError(code: timeout)", runAt: Date())
            _ = try await fixture.redis.send(["XGROUP", "CREATE", fixture.stream, "reelay-recorder", "0", "MKSTREAM"])
            _ = try await fixture.redis.send(["XREADGROUP", "GROUP", "reelay-recorder", "dead-recorder", "STREAMS", fixture.stream, ">"])
            try await fixture.append(.completed, post: post, attempt: 2)
            try await withRunningServices([try fixture.recorder(claimIdle: .milliseconds(600))]) {
                try await eventually("the newer completion is applied") { try await fixture.post(post, "status", as: String.self) == "completed" }
                try await eventually("the older retry is claimed") { try await fixture.pendingCount() == 0 }
            }
            #expect(try await fixture.post(post, "status", as: String.self) == "completed")
            #expect(try await fixture.history(post).map(\.to) == ["completed", nil], "the late retry is history only")
        }
    }

    @Test func eventsWaitInRedisWhilePostgresIsDownAndAreAllAppliedWhenItReturns() async throws {
        try await PostgresServer.with { server in
            try await RecorderFixture.with(postgresURL: server.url, acquireTimeout: .milliseconds(300)) { fixture in
                let account = try await fixture.account()
                var posts: [UUID] = []
                for _ in 0..<20 { posts.append(try await fixture.post(account: account)) }
                let (logger, lines) = CapturingLogHandler.logger()
                try await withRunningServices([try fixture.recorder(logger: logger)]) {
                    try await fixture.append(.completed, post: posts[0])
                    try await eventually("the first event is applied") { try await fixture.post(posts[0], "status", as: String.self) == "completed" }
                    try await server.stop()
                    for post in posts.dropFirst() {
                        try await fixture.append(.progress, post: post)
                        try await fixture.append(.completed, post: post, attempt: 1)
                    }
                    try await eventually("the recorder tried the batch, failed, and is backing off") {
                        lines.atLeast(.debug).filter { $0.contains("could not apply a batch of results") }.count >= 3
                    }
                    #expect(try await fixture.pendingCount() > 0, "the entries wait, unacknowledged")
                    try await server.start()
                    try await eventually("every event is applied") {
                        let rows = try await fixture.postgres.query("SELECT count(*) AS n FROM posts WHERE status = 'completed'")
                        return try rows[0].decode("n", as: Int.self) == posts.count
                    }
                    try await eventually("and acknowledged") { try await fixture.pendingCount() == 0 }
                }
                #expect(lines.atLeast(.notice).contains { $0.contains("recovered after failures") })
                let events = try await fixture.postgres.query("SELECT count(*) AS n FROM post_events")
                #expect(try events[0].decode("n", as: Int.self) == 1 + 2 * (posts.count - 1), "nothing lost, nothing twice")
            }
        }
    }

    @Test func malformedEntriesAreAcknowledgedAndSkipped() async throws {
        try await RecorderFixture.with { fixture in
            let post = try await fixture.post(account: try await fixture.account())
            _ = try await fixture.redis.send(["XADD", fixture.stream, "*", "event", "completed", "job", "not-a-uuid"])
            _ = try await fixture.redis.send(["XADD", fixture.stream, "*", "event", "exploded", "job", post.uuidString])
            try await fixture.append(.completed, post: post)
            try await withRunningServices([try fixture.recorder()]) {
                try await eventually("the good entry is applied") { try await fixture.post(post, "status", as: String.self) == "completed" }
                try await eventually("all three are acknowledged") { try await fixture.pendingCount() == 0 }
            }
            #expect(try await fixture.history(post).count == 1)
        }
    }

    @Test func twoRecordersShareTheStream() async throws {
        try await RecorderFixture.with { fixture in
            let account = try await fixture.account()
            var posts: [UUID] = []
            for _ in 0..<30 { posts.append(try await fixture.post(account: account)) }
            try await withRunningServices([try fixture.recorder(consumer: "one"), try fixture.recorder(consumer: "two")]) {
                for post in posts {
                    try await fixture.append(.progress, post: post)
                    try await fixture.append(.completed, post: post)
                }
                try await eventually("every post completes") {
                    let rows = try await fixture.postgres.query("SELECT count(*) AS n FROM posts WHERE status = 'completed'")
                    return try rows[0].decode("n", as: Int.self) == posts.count
                }
                try await eventually("and every entry is acknowledged") { try await fixture.pendingCount() == 0 }
            }
            // Each post's history: its `completed` exactly once, and its `progress` at most once. When the other recorder
            // applied the `completed` first, the older `progress` is stale and adds nothing (PostTransition rule 4), so
            // it is not written: the count of progress rows depends on which recorder ran first, the rest does not.
            let rows = try await fixture.postgres.query("""
                SELECT post_id, count(*) FILTER (WHERE event = 'completed') AS completed, count(*) FILTER (WHERE event = 'progress') AS progress,
                       count(*) FILTER (WHERE event NOT IN ('completed', 'progress')) AS other
                FROM post_events GROUP BY post_id
                """)
            #expect(rows.count == posts.count)
            for row in rows {
                #expect(try row.decode("completed", as: Int.self) == 1)
                #expect(try row.decode("progress", as: Int.self) <= 1)
                #expect(try row.decode("other", as: Int.self) == 0)
            }
        }
    }
}
