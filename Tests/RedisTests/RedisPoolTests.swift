@testable import Redis
import TestSupport
import Testing

@Suite struct RedisPoolTests {
    @Test func exhaustedPoolWaitsThenFails() async throws {
        let key = TestEnvironment.uniqueName("busy")
        try await withClient(configure: { $0.poolSize = 1; $0.acquireTimeout = .milliseconds(300) }) { (client: RedisClient) async throws in
            async let holder: RedisValue = client.withConnection { connection in try connection.send(["BLPOP", key, "4"]) }
            try await eventually("the only connection to be leased") { client.poolCounts.open == 1 && client.poolCounts.idle == 0 }
            let start = ContinuousClock.now
            // Ordinary commands share the event-loop connection; only pooled work waits for a free connection.
            #expect(try await client.send(["PING"]) == .status("PONG"))
            let error = await redisError { _ = try await client.withConnection { try $0.send(["PING"]) } }
            let waited = ContinuousClock.now - start
            #expect(error?.code == .poolExhausted)
            #expect(error?.debugDescription.contains("busy") == true)
            #expect(waited >= .milliseconds(250) && waited < .milliseconds(3500), "timed out, not served when the holder let go after 4 s")
            #expect(try await holder == .null)
            #expect(try await client.withConnection { try $0.send(["PING"]) } == .status("PONG"))
        }
    }

    @Test func reconnectsAfterServerRestart() async throws {
        let server = try await RedisServer.start()
        let key = TestEnvironment.uniqueName("restart")
        try await withClient(url: server.url, configure: { $0.poolSize = 2 }) { (client: RedisClient) async throws in
            // Open both connections, so one stays idle (and stale) across the restart.
            async let first: RedisValue = client.withConnection { try $0.send(["BLPOP", key, "0.2"]) }
            async let second: RedisValue = client.withConnection { try $0.send(["BLPOP", key, "0.2"]) }
            _ = try await (first, second)
            #expect(client.poolCounts.open == 2)

            let shutdown = await redisError { _ = try await client.send(["SHUTDOWN", "NOSAVE"]) }
            #expect(shutdown?.code == .io)
            try await server.waitUntilStopped()
            try await server.start()

            #expect(try await client.send(["PING"]) == .status("PONG"))
            #expect(try await client.pipeline([["SET", key, "1"], ["GET", key]]) == [.status("OK"), .bulk(Array("1".utf8))])
        }
        try await server.stop()
    }

    @Test func unreachableServerFailsWithinTheAcquireTimeout() async throws {
        try await withClient(url: "redis://127.0.0.1:1", configure: { $0.acquireTimeout = .milliseconds(500) }) { (client: RedisClient) async throws in
            let start = ContinuousClock.now
            let error = await redisError { _ = try await client.send(["PING"]) }
            let elapsed = ContinuousClock.now - start
            #expect(error?.code == .connect)
            #expect(error?.debugDescription.contains("127.0.0.1:1") == true)
            #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(5))
        }
    }

    @Test func wrongPasswordFailsAtOnceWithoutLeakingIt() async throws {
        let password = "right-pa55-\(TestEnvironment.uniqueName())"
        let wrong = "wrong-pa55-\(TestEnvironment.uniqueName())"
        let server = try await RedisServer.start(password: password)
        let badURL = "redis://:\(wrong)@127.0.0.1:\(server.port)"
        try await withClient(url: badURL) { (client: RedisClient) async throws in
            let start = ContinuousClock.now
            let error = await redisError { _ = try await client.send(["PING"]) }
            #expect(error?.code == .authentication)
            #expect(ContinuousClock.now - start < .seconds(3), "not retried until the 5 s acquire timeout")
            let texts = [error?.description ?? "", error?.debugDescription ?? "", "\(String(describing: error))", client.configuration.redacted,
                "\(client.configuration)", String(reflecting: client.configuration)]
            for text in texts {
                #expect(!text.contains(wrong) && !text.contains(password))
            }
            #expect(error?.debugDescription.contains("127.0.0.1:\(server.port)") == true)
        }
        try await withClient(url: "redis://default:\(password)@127.0.0.1:\(server.port)/2") { (client: RedisClient) async throws in
            #expect(try await client.send(["PING"]) == .status("PONG"))
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains("db=2") == true)
            // The event-loop connection authenticated and selected database 2 too: what it writes, the pool reads there.
            #expect(try await client.send(["SET", "selected", "two"]) == .status("OK"))
            #expect(try await client.withConnection { try $0.send(["GET", "selected"]) } == .bulk(Array("two".utf8)))
        }
        try await withClient(url: "redis://default:\(password)@127.0.0.1:\(server.port)/0") { (client: RedisClient) async throws in
            #expect(try await client.send(["EXISTS", "selected"]) == .integer(0), "database 0 does not hold database 2's key")
        }
        try await withClient(url: server.url) { (client: RedisClient) async throws in
            #expect(try await client.send(["PING"]) == .status("PONG"))
        }
        try await server.stop()
    }
}
