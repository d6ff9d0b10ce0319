import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Redis

@Suite struct RedisDedicatedThreadTests {
    @Test func commandsRunInlineOnTheDedicatedThread() async throws {
        try await withClient { client in
            let key = TestEnvironment.uniqueName("dedicated")
            let observed = try await client.withDedicatedThread { () async throws -> (Bool, Int?) in
                let thread = RedisClient.currentDedicatedThread
                var last: Int?
                for _ in 0..<500 { last = try await client.send(["INCR", key]).int }
                // Still on the same thread after 500 awaited commands: nothing hopped away.
                return (thread?.isCurrentThread ?? false, last)
            }
            #expect(observed.0, "the task ran on its dedicated thread")
            #expect(observed.1 == 500)
            #expect(client.inlineCount >= 500, "every command ran inline, with no hop to the thread pool")
            _ = try await client.send(["DEL", key])
        }
    }

    @Test func concurrentLoopsGetThreadsOfTheirOwnAndReuseThem() async throws {
        try await withClient(configure: { $0.poolSize = 4 }) { client in
            let prefix = TestEnvironment.uniqueName("dedicated")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slot in 0..<4 {
                    group.addTask {
                        try await client.withDedicatedThread {
                            for _ in 0..<200 { _ = try await client.send(["INCR", "\(prefix):\(slot)"]) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let values = try await client.pipeline((0..<4).map { ["GET", "\(prefix):\($0)"] })
            #expect(values.map(\.string) == Array(repeating: "200", count: 4))
            // A later call reuses an idle thread instead of starting a fifth.
            try await client.withDedicatedThread { _ = try await client.send(["PING"]) }
            _ = try await client.send(["DEL"] + (0..<4).map { "\(prefix):\($0)" })
        }
    }

    @Test func errorsAndTheOrdinaryPathStillWork() async throws {
        try await withClient { client in
            let key = TestEnvironment.uniqueName("dedicated")
            _ = try await client.send(["SET", key, "text"])
            await #expect(throws: RedisError.self) {
                try await client.withDedicatedThread { _ = try await client.send(["LPUSH", key, "x"]) }
            }
            #expect(RedisClient.currentDedicatedThread == nil)
            let inline = client.inlineCount
            #expect(try await client.send(["GET", key]).string == "text")
            #expect(client.inlineCount == inline, "outside the scope commands take the thread pool")
            _ = try await client.send(["DEL", key])
        }
    }
}
