import Foundation
import Logging
import Redis
import TestSupport
import Testing

/// `reelay queue …` run as a binary against the test Redis, on a queue of its own written in the documented layout.
@Suite struct QueueCommandTests {
    /// A fresh queue name, a client and the URL the binary is given.
    struct Fixture {
        let queue = TestEnvironment.uniqueName("q")
        let url: String
        let client: RedisClient

        func key(_ suffix: String) -> String { "reelay:{\(self.queue)}:\(suffix)" }

        /// A job hash plus its id in `list` (LPUSH) or in `set` (ZADD at `score`).
        @discardableResult
        func job(_ state: String, list: String? = nil, set: String? = nil, score: Int64 = 1_764_000_000_000) async throws -> String {
            let id = UUID().uuidString.lowercased()
            _ = try await self.client.send([
                "HSET", self.key("job:\(id)"), "name", "tiktok.publish_video", "payload", #"{"postID":"\#(id)"}"#, "state", state, "attempt", "5",
                "max_attempts", "5", "enqueued_at", "1764000000000", "last_error", "boom",
            ])
            if let list { _ = try await self.client.send(["LPUSH", self.key(list), id]) }
            if let set { _ = try await self.client.send(["ZADD", self.key(set), String(score), id]) }
            return id
        }

        func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await ReelayBinary.run(["queue"] + arguments + ["--queue", self.queue, "--redis-url", self.url])
        }

        func json(_ arguments: [String]) async throws -> [String: Any] {
            let outcome = try await self.run(arguments + ["--json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        }
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let url = try await TestEnvironment.redisURL()
        let client = RedisClient(configuration: try RedisConfiguration(url: url), logger: Logger(label: "test"))
        do {
            try await body(Fixture(url: url, client: client))
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
    }

    @Test func statsPrintJSONAndTheRedisCLICommands() async throws {
        try await self.withFixture { fixture in
            try await fixture.job("ready", list: "ready")
            try await fixture.job("ready", list: "ready")
            try await fixture.job("dead", set: "dead")
            _ = try await fixture.client.send(["HSET", fixture.key("stats"), "enqueued", "3", "dead", "1"])
            let stats = try await fixture.json(["stats"])
            #expect(stats["queue"] as? String == fixture.queue)
            #expect(stats["ready"] as? Int == 2 && stats["dead"] as? Int == 1 && stats["active"] as? Int == 0)
            #expect(stats["paused"] as? Bool == false)
            #expect((stats["counters"] as? [String: Any])?["enqueued"] as? Int == 3)
            let human = try await fixture.run(["stats"])
            #expect(human.status == 0)
            #expect(human.stdout.contains("LLEN 'reelay:{\(fixture.queue)}:ready'"))
            #expect(human.stdout.contains("redis-cli"))
        }
    }

    @Test func listShowRetryAndPurgeDeadJobs() async throws {
        try await self.withFixture { fixture in
            let first = try await fixture.job("dead", set: "dead", score: 1_000)
            let second = try await fixture.job("dead", set: "dead", score: 2_000)
            let listing = try await fixture.json(["ls", "--state", "dead", "--limit", "10"])
            let jobs = try #require(listing["jobs"] as? [[String: Any]])
            #expect(jobs.compactMap { $0["id"] as? String } == [first, second])
            #expect(jobs.first?["lastError"] as? String == "boom")

            let detail = try await fixture.json(["show", first])
            #expect(detail["state"] as? String == "dead" && detail["foundIn"] as? [String] == ["dead"])
            let human = try await fixture.run(["show", first])
            #expect(human.stdout.contains("HGETALL 'reelay:{\(fixture.queue)}:job:\(first)'"))

            let retried = try await fixture.json(["retry", first])
            #expect(retried["retried"] as? Int == 1 && retried["requested"] as? Int == 1)
            #expect(try await fixture.client.send(["LRANGE", fixture.key("ready"), "0", "-1"]).array?.compactMap(\.string) == [first])
            #expect(try await fixture.client.send(["HGET", fixture.key("job:\(first)"), "attempt"]).string == "0")

            let purged = try await fixture.json(["purge-dead", "--yes"])
            #expect(purged["purged"] as? Int == 1)
            #expect(try await fixture.client.send(["EXISTS", fixture.key("job:\(second)"), fixture.key("dead")]).int == 0)
            #expect(try await fixture.client.send(["EXISTS", fixture.key("job:\(first)")]).int == 1, "the retried job is kept")
        }
    }

    @Test func retryAllPutsEveryDeadJobBack() async throws {
        try await self.withFixture { fixture in
            for _ in 0..<3 { try await fixture.job("dead", set: "dead") }
            let retried = try await fixture.json(["retry", "--all"])
            #expect(retried["retried"] as? Int == 3)
            #expect(try await fixture.client.send(["LLEN", fixture.key("ready")]).int == 3)
        }
    }

    @Test func pauseAndResumeSetTheFlag() async throws {
        try await self.withFixture { fixture in
            #expect(try await fixture.json(["pause"])["paused"] as? Bool == true)
            #expect(try await fixture.client.send(["EXISTS", fixture.key("paused")]).int == 1)
            #expect(try await fixture.json(["stats"])["paused"] as? Bool == true)
            let resumed = try await fixture.run(["resume"])
            #expect(resumed.status == 0 && resumed.stdout.contains("EXISTS 'reelay:{\(fixture.queue)}:paused'"))
            #expect(try await fixture.client.send(["EXISTS", fixture.key("paused")]).int == 0)
        }
    }

    @Test(arguments: [
        ["stats", "--queue", "Not A Queue"], ["show", "not-a-uuid"], ["ls", "--state", "finished"], ["ls", "--state", "completed"],
        ["ls", "--limit", "0"], ["purge-dead"], ["retry"], ["retry", "--all", "3f2c6a8e-1b2c-4d5e-8f90-1234567890ab"],
        ["retry", "3f2c6a8e-1b2c-4d5e-8f90-1234567890ab", "nope"],
    ])
    func badInputIsOneLineAndExit2(_ arguments: [String]) async throws {
        // An unreachable Redis proves the input is refused before anything is sent.
        let outcome = try await ReelayBinary.run(["queue"] + arguments + ["--redis-url", "redis://127.0.0.1:1"])
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("reelay queue \(arguments[0]): "))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func anUnknownJobIsExit1() async throws {
        try await self.withFixture { fixture in
            let outcome = try await fixture.run(["show", UUID().uuidString])
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("no job"))
        }
    }

    @Test func anUnreachableRedisIsOneLineAndExit1() async throws {
        let outcome = try await ReelayBinary.run(
            ["queue", "stats", "--redis-url", "redis://:topsecret@127.0.0.1:1", "--redis-connect-timeout", "1s"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("reelay queue stats: "))
        #expect(outcome.stderr.contains("127.0.0.1:1"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(!outcome.stderr.contains("topsecret"))
        #expect(outcome.elapsed < .seconds(8))
    }
}
