import Redis
import TestSupport
import Testing

@Suite struct RedisScriptTests {
    /// KEYS[1]: a counter. Returns its new value.
    static let increment = RedisScript("return redis.call('INCR', KEYS[1])")

    /// The locally computed digest (swift-crypto) names the script exactly as `SCRIPT LOAD` does, for short, multi-block
    /// and non-ASCII sources.
    @Test func sha1MatchesTheServers() async throws {
        let scripts = [
            Self.increment, RedisScript("return 1"), RedisScript("return '" + String(repeating: "x", count: 1_000) + "'"),
            RedisScript("return 'grüße, 世界'"),
        ]
        try await withClient { (client: RedisClient) async throws in
            for script in scripts {
                #expect(script.sha1.count == 40)
                #expect(try await client.send(["SCRIPT", "LOAD", script.source]).string == script.sha1)
            }
        }
    }

    @Test func scriptCacheSurvivesScriptFlush() async throws {
        let key = TestEnvironment.uniqueName("lua")
        try await withClient { (client: RedisClient) async throws in
            #expect(try await client.evalSHA(Self.increment, keys: [key]) == .integer(1))
            _ = try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await client.evalSHA(Self.increment, keys: [key]) == .integer(2))
            _ = try await client.send(["SCRIPT", "FLUSH"])
            let replies = try await client.pipeline([
                .evalSHA(Self.increment, keys: [key]), RedisCommand(["GET", key]), .evalSHA(Self.increment, keys: [key]),
            ])
            #expect(replies[0] == .integer(3) || replies[0] == .integer(4))
            #expect(Set(replies.compactMap(\.int)).isSuperset(of: [3, 4]))
            #expect(try await client.send(["GET", key]).int == 4)
            _ = try await client.send(["DEL", key])
        }
    }

    /// Another client flushing the script cache over and over never makes a script call fail, even in long pipelines
    /// whose retry could otherwise meet a flush between loading a script and running it.
    @Test func scriptCallsSurviveFlushesFromAnotherClient() async throws {
        let key = TestEnvironment.uniqueName("lua")
        let batches = 40, batchSize = 200
        try await withClient { (client: RedisClient) async throws in
            try await withClient { (flusher: RedisClient) async throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !Task.isCancelled { _ = try await flusher.send(["SCRIPT", "FLUSH"]) }
                    }
                    for _ in 0..<batches {
                        let replies = try await client.pipeline(Array(repeating: .evalSHA(Self.increment, keys: [key]), count: batchSize))
                        #expect(replies.allSatisfy { $0.errorMessage == nil })
                    }
                    group.cancelAll()
                }
            }
            #expect(try await client.send(["GET", key]).int == batches * batchSize)
            _ = try await client.send(["DEL", key])
        }
    }

    @Test func scriptErrorsAreServerErrors() async throws {
        let script = RedisScript("return redis.error_reply('BOOM ' .. ARGV[1])")
        try await withClient { (client: RedisClient) async throws in
            let error = await redisError { _ = try await client.evalSHA(script, arguments: ["now"]) }
            #expect(error?.code == .server)
            #expect(error?.serverMessage?.contains("BOOM now") == true)
        }
    }
}
