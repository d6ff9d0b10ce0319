import Redis
import TestSupport
import Testing

@Suite struct RedisCommandTests {
    @Test func setAndGet() async throws {
        let key = TestEnvironment.uniqueName("cmd")
        try await withClient { (client: RedisClient) async throws in
            #expect(try await client.send(["SET", key, "héllo"]) == .status("OK"))
            #expect(try await client.send(["GET", key]).string == "héllo")
            #expect(try await client.send(["INCRBY", key + ":n", "41"]) == .integer(41))
            #expect(try await client.send(["GET", key + ":n"]).int == 41)
            _ = try await client.send(["DEL", key, key + ":n"])
        }
    }

    @Test func pipelinesTenThousandCommandsInOrder() async throws {
        let key = TestEnvironment.uniqueName("pipe")
        try await withClient { (client: RedisClient) async throws in
            let pushes = (0..<10_000).map { ["RPUSH", key, "v\($0)"] }
            let replies = try await client.pipeline(pushes)
            #expect(replies.count == 10_000)
            #expect(replies.enumerated().allSatisfy { $0.element == .integer(Int64($0.offset + 1)) })
            let reads = (0..<10_000).map { ["LINDEX", key, String($0)] }
            let values = try await client.pipeline(reads)
            #expect(values.enumerated().allSatisfy { $0.element.string == "v\($0.offset)" })
            _ = try await client.send(["DEL", key])
        }
    }

    @Test func binaryValuesWithNULBytesRoundTrip() async throws {
        let key = Array(TestEnvironment.uniqueName("bin").utf8) + [0, 1, 0]
        let value: [UInt8] = [0, 255, 0, 10, 13, 0, 36, 42, 0]
        try await withClient { (client: RedisClient) async throws in
            #expect(try await client.send(bytes: [Array("SET".utf8), key, value]) == .status("OK"))
            #expect(try await client.send(bytes: [Array("GET".utf8), key]) == .bulk(value))
            #expect(try await client.send(bytes: [Array("STRLEN".utf8), key]) == .integer(Int64(value.count)))
            var mixed = RedisCommand(["SET"])
            mixed.append(bytes: key)
            mixed.append(bytes: [])
            #expect(try await client.send(mixed) == .status("OK"))
            #expect(try await client.send(bytes: [Array("GET".utf8), key]) == .bulk([]))
            _ = try await client.send(bytes: [Array("DEL".utf8), key])
        }
    }

    @Test func nilBulkIsNull() async throws {
        let key = TestEnvironment.uniqueName("nil")
        try await withClient { (client: RedisClient) async throws in
            let reply = try await client.send(["GET", key])
            #expect(reply == .null && reply.isNull && reply.string == nil)
            #expect(try await client.send(["MGET", key, key]) == .array([.null, .null]))
        }
    }

    @Test func nestedArrays() async throws {
        let stream = TestEnvironment.uniqueName("xs")
        try await withClient { (client: RedisClient) async throws in
            let nested = try await client.send(["EVAL", "return {1, {'a', {2, 'b'}}, 'c'}", "0"])
            #expect(nested == .array([.integer(1), .array([.bulk(Array("a".utf8)), .array([.integer(2), .bulk(Array("b".utf8))])]), .bulk(Array("c".utf8))]))
            _ = try await client.send(["XADD", stream, "1-1", "field", "value"])
            let range = try await client.send(["XRANGE", stream, "-", "+"]).asArray()
            #expect(range.count == 1)
            let entry = try range[0].asArray()
            #expect(try entry[0].asString() == "1-1")
            #expect(try entry[1].asArray().map { try $0.asString() } == ["field", "value"])
            _ = try await client.send(["DEL", stream])
        }
    }

    @Test func errorRepliesAreTypedErrorsAndPipelineSlots() async throws {
        let key = TestEnvironment.uniqueName("wrong")
        try await withClient { (client: RedisClient) async throws in
            _ = try await client.send(["SET", key, "string"])
            let error = await redisError { _ = try await client.send(["LPUSH", key, "x"]) }
            #expect(error?.code == .server)
            #expect(error?.serverMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(error?.description == "RedisError(code: server)")
            #expect(error?.debugDescription.contains("WRONGTYPE") == true)

            let replies = try await client.pipeline([["GET", key], ["LPUSH", key, "x"], ["STRLEN", key]])
            #expect(replies[0].string == "string")
            #expect(replies[1].errorMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(replies[2] == .integer(6))
            #expect(throws: RedisError.self) { try replies[1].asInt() }
            #expect { try replies[0].asArray() } throws: { ($0 as? RedisError)?.code == .typeMismatch }
            _ = try await client.send(["DEL", key])
        }
    }

    @Test func commandTimeoutIsTypedAndTheConnectionIsReplaced() async throws {
        let key = TestEnvironment.uniqueName("slow")
        try await withClient(configure: { $0.commandTimeout = .milliseconds(200); $0.poolSize = 1 }) { (client: RedisClient) async throws in
            let start = ContinuousClock.now
            // The server would answer after 10 s; the 200 ms client timeout must end the wait long before.
            let error = await redisError { _ = try await client.send(["BLPOP", key, "10"]) }
            #expect(error?.code == .timeout)
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await client.send(["PING"]) == .status("PONG"))
        }
    }

    @Test func withConnectionRunsABatchOnOneConnection() async throws {
        let key = TestEnvironment.uniqueName("with")
        try await withClient { (client: RedisClient) async throws in
            let total = try await client.withConnection { connection in
                for _ in 0..<100 { _ = try connection.send(["INCR", key]) }
                let replies = try connection.pipeline((0..<10).map { _ in RedisCommand(["INCR", key]) })
                return try replies.last!.asInt()
            }
            #expect(total == 110)
            _ = try await client.send(["DEL", key])
        }
    }
}
