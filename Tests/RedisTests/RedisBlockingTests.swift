@testable import Redis
import TestSupport
import Testing

@Suite struct RedisBlockingTests {
    @Test func blockingPopTimesOutWithNull() async throws {
        let key = TestEnvironment.uniqueName("bpop")
        try await withClient { (client: RedisClient) async throws in
            let start = ContinuousClock.now
            let reply = try await client.blocking(["BRPOP", key, "1"])
            let elapsed = ContinuousClock.now - start
            #expect(reply == .null)
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5))
        }
    }

    @Test func blmoveMovesAnItem() async throws {
        let ready = TestEnvironment.uniqueName("ready")
        let active = TestEnvironment.uniqueName("active")
        try await withClient { (client: RedisClient) async throws in
            _ = try await client.send(["LPUSH", ready, "job-1"])
            #expect(try await client.blocking(["BLMOVE", ready, active, "RIGHT", "LEFT", "2"]).string == "job-1")
            #expect(try await client.send(["LRANGE", active, "0", "-1"]) == .array([.bulk(Array("job-1".utf8))]))
            _ = try await client.send(["DEL", ready, active])
        }
    }

    @Test func xreadgroupBlocksAndReads() async throws {
        let stream = TestEnvironment.uniqueName("results")
        try await withClient { (client: RedisClient) async throws in
            _ = try await client.send(["XGROUP", "CREATE", stream, "recorder", "$", "MKSTREAM"])
            let empty = try await client.blocking(["XREADGROUP", "GROUP", "recorder", "c1", "BLOCK", "100", "STREAMS", stream, ">"])
            #expect(empty == .null)
            _ = try await client.send(["XADD", stream, "*", "job", "42"])
            let read = try await client.blocking(["XREADGROUP", "GROUP", "recorder", "c1", "COUNT", "1", "BLOCK", "500", "STREAMS", stream, ">"])
            let entries = try read.asArray()[0].asArray()[1].asArray()
            #expect(try entries[0].asArray()[1].asArray().map { try $0.asString() } == ["job", "42"])
            _ = try await client.send(["DEL", stream])
        }
    }

    @Test func longOrInfiniteTimeoutsAreRejected() async throws {
        let key = TestEnvironment.uniqueName("guard")
        try await withClient { (client: RedisClient) async throws in
            for command in [["BLMOVE", key, key, "RIGHT", "LEFT", "5"], ["BRPOP", key, "0"], ["XREAD", "BLOCK", "0", "STREAMS", key, "$"]] {
                let start = ContinuousClock.now
                let error = await redisError { _ = try await client.blocking(command) }
                #expect(error?.code == .invalidArgument)
                #expect(ContinuousClock.now - start < .seconds(3), "rejected before anything is sent")
            }
        }
    }

    @Test func shutdownWaitsAtMostTheBlockingTimeout() async throws {
        // A private server, so `blocked_clients` counts only this test's pop.
        let server = try await RedisServer.start()
        let key = TestEnvironment.uniqueName("shut")
        var configuration = try RedisConfiguration(url: server.url)
        configuration.poolSize = 1
        configuration.blockingPoolSize = 1
        let client = RedisClient(configuration: configuration)
        // Connected before the pop starts, so the first look at `blocked_clients` does not wait for a connect while
        // the pop's window passes (under load it did, and the test then waited for a block that had already ended).
        _ = try await client.send(["PING"])
        async let pop = client.blocking(["BRPOP", key, "2"])
        try await eventually("the pop to block", poll: .milliseconds(10)) {
            try await client.send(["INFO", "clients"]).string?.contains("blocked_clients:1") == true
        }
        let start = ContinuousClock.now
        await client.shutdown()
        #expect(ContinuousClock.now - start < .seconds(6), "the 2 s pop plus margin, not a hang")
        #expect(try await pop == .null)
        let after = await redisError { _ = try await client.send(["PING"]) }
        #expect(after?.code == .poolClosed)
        try await server.stop()
    }
}
