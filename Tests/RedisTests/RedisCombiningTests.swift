import Foundation
import Synchronization
@testable import Redis
import TestSupport
import Testing

/// Commands sent at once by many tasks share the event-loop connection and its flushes, and each caller still gets
/// exactly its own replies.
@Suite struct RedisCombiningTests {
    @Test func concurrentCallersShareBatchesAndGetTheirOwnReplies() async throws {
        try await withClient { (client: RedisClient) async throws in
            let prefix = TestEnvironment.uniqueName("combine")
            let tasks = 200
            let before = client.connection.flushes.value
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<tasks {
                    group.addTask {
                        let key = "\(prefix):\(index)"
                        for round in 1...5 {
                            #expect(try await client.send(["INCRBY", key, String(index)]) == .integer(Int64(index * round)))
                        }
                        let replies = try await client.pipeline([["GET", key], ["STRLEN", key], ["DEL", key]])
                        #expect(replies == [.bulk(Array(String(index * 5).utf8)), .integer(Int64(String(index * 5).utf8.count)), .integer(1)])
                    }
                }
                try await group.waitForAll()
            }
            let flushes = client.connection.flushes.value - before
            // 1,200 calls from 200 tasks: the requests that arrive together leave in one flush.
            print("RedisCombiningTests: \(flushes) flushes for \(tasks * 6) calls")
            #expect(flushes < tasks * 6 / 2, "\(flushes) flushes for \(tasks * 6) calls")
            #expect(client.connection.connects.value == 1, "every call shared one connection")
        }
    }

    @Test func anErrorReplyStaysWithItsCaller() async throws {
        try await withClient { (client: RedisClient) async throws in
            let prefix = TestEnvironment.uniqueName("combine-error")
            _ = try await client.send(["SET", "\(prefix):string", "x"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask { () async throws -> Void in
                        if index % 10 == 0 {
                            let error = await #expect(throws: RedisError.self) { _ = try await client.send(["LPUSH", "\(prefix):string", "y"]) }
                            #expect(error?.code == .server && error?.serverMessage?.hasPrefix("WRONGTYPE") == true)
                        } else {
                            #expect(try await client.send(["INCR", "\(prefix):\(index)"]) == .integer(1))
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await client.send(["DEL", "\(prefix):string"] + (0..<100).map { "\(prefix):\($0)" })
        }
    }

    @Test func blockingAndStatefulCommandsRunAlone() {
        #expect(RedisCommand(["blpop", "k", "1"]).mustRunAlone)
        #expect(RedisCommand(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", "s", ">"]).mustRunAlone)
        #expect(RedisCommand(["MULTI"]).mustRunAlone && RedisCommand(["select", "2"]).mustRunAlone)
        #expect(!RedisCommand(["GET", "k"]).mustRunAlone && !RedisCommand(["EVALSHA", "abc", "0"]).mustRunAlone)
    }
}
