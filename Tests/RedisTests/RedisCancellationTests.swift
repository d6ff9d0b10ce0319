import Synchronization
@testable import Redis
import TestSupport
import Testing

/// A caller that is cancelled (a job timeout, a lost lease, shutdown) fails only itself: the callers whose commands
/// share the event-loop connection with it each still get their own reply, and the connection stays usable.
@Suite struct RedisCancellationTests {
    /// 300 callers send `ECHO` then `INCR` while the server holds every write (`CLIENT PAUSE … WRITE`), so their
    /// requests wait on the wire; half of them are cancelled meanwhile. A cancelled caller gets its own reply (its
    /// request was written) or ``RedisError/Code/cancelled`` (it was not); everyone else gets exactly its own replies.
    @Test func cancelledCallersFailOnlyThemselves() async throws {
        let server = try await RedisServer.start()
        let callers = 300
        let failed = Counter()
        let wrong = Counter()
        let cancelledOrOwn = Counter()
        let echoed = Counter()
        try await withClient(url: server.url) { (client: RedisClient) async throws in
            try await withClient(url: server.url) { (other: RedisClient) async throws in
                #expect(try await client.send(["PING"]) == .status("PONG"))
                _ = try await other.send(["CLIENT", "PAUSE", "5000", "WRITE"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    try await withThrowingTaskGroup(of: Void.self) { doomed in
                        for index in 0..<callers {
                            let value = "caller:\(index)"
                            let body = { @Sendable () async -> Void in
                                do throws(RedisError) {
                                    let echo = try await client.send(["ECHO", value])
                                    echoed.add()
                                    let count = try await client.send(["INCR", value])
                                    if echo.string != value || count != .integer(1) { wrong.add() } else if index % 2 == 1 { cancelledOrOwn.add() }
                                } catch {
                                    if index % 2 == 1 && error.code == .cancelled { cancelledOrOwn.add() } else { failed.add() }
                                }
                            }
                            if index % 2 == 1 { doomed.addTask(operation: body) } else { group.addTask(operation: body) }
                        }
                        // Every caller's INCR is on the wire, held by the pause (each ECHO came back first).
                        try await waitUntil("every ECHO to come back") { echoed.value == callers }
                        try await Task.sleep(for: .milliseconds(300))
                        doomed.cancelAll()
                        _ = try await other.send(["CLIENT", "UNPAUSE"])
                        try await doomed.waitForAll()
                    }
                    try await group.waitForAll()
                }
                #expect(failed.value == 0, "callers failed with something else than their own cancellation")
                #expect(wrong.value == 0, "callers got replies that were not theirs")
                #expect(cancelledOrOwn.value == callers / 2)
                #expect(try await client.send(["PING"]) == .status("PONG"))
                #expect(client.connection.connects.value == 1, "the connection was kept: nothing failed on it")
            }
        }
        try await server.stop()
    }

    /// A caller cancelled while its command is on the wire (a `withConnection` body, a blocking command) does not hand
    /// the connection on half-read: it waits for its reply, and the next user of the only connection reads its own.
    @Test func aCancelledCommandInFlightLeavesItsConnectionClean() async throws {
        let key = TestEnvironment.uniqueName("cancel-inflight")
        // A server of its own, so the only blocked client it lists is ours.
        let server = try await RedisServer.start()
        try await withClient(url: server.url, configure: { $0.poolSize = 1; $0.blockingPoolSize = 1 }) { (client: RedisClient) async throws in
            try await withClient(url: server.url) { (other: RedisClient) async throws in
                for path in ["withConnection", "blocking"] {
                    let replies = try await withThrowingTaskGroup(of: RedisValue?.self) { group in
                        group.addTask {
                            if path == "blocking" { return try? await client.blocking(["BLPOP", key, "2"]) }
                            return try? await client.withConnection { try $0.send(["BLPOP", key, "2"]) }
                        }
                        try await eventually("the BLPOP to be on the wire") {
                            try await other.send(["CLIENT", "LIST"]).string?.contains("flags=b ") == true
                        }
                        group.cancelAll()
                        _ = try await other.send(["RPUSH", key, "left-over", "second"])
                        return try await group.next() ?? nil
                    }
                    // Cancelled once its command was running, the caller still read its reply off the connection.
                    #expect(replies == .array([.bulk(Array(key.utf8)), .bulk(Array("left-over".utf8))]), "\(path)")
                    if path == "blocking" {
                        #expect(try await client.blocking(["BLPOP", key, "1"]) == .array([.bulk(Array(key.utf8)), .bulk(Array("second".utf8))]))
                    } else {
                        #expect(try await client.withConnection { try $0.send(["LPOP", key]) } == .bulk(Array("second".utf8)))
                    }
                    #expect(try await client.send(["ECHO", "mine"]).string == "mine")
                }
                #expect(client.poolCounts.open == 1 && client.blockingPoolCounts.open == 1, "no connection was given up")
            }
        }
        try await server.stop()
    }

    /// Shutting down while hundreds of requests wait on the wire for a paused server: each caller gets its own reply
    /// (requests in flight finish) or `poolClosed` (sent after shutdown began), never another caller's reply.
    @Test func shutdownWithRequestsInFlightFailsNobodyWrongly() async throws {
        let callers = 300
        let wrong = Counter()
        let closed = Counter()
        let answered = Counter()
        let server = try await RedisServer.start()
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        try await withClient(url: server.url) { (other: RedisClient) async throws in
            #expect(try await client.send(["PING"]) == .status("PONG"))
            _ = try await other.send(["CLIENT", "PAUSE", "5000", "WRITE"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<callers {
                    group.addTask {
                        let value = "caller:\(index)"
                        do throws(RedisError) {
                            if try await client.send(["INCR", value]) == .integer(1) { answered.add() } else { wrong.add() }
                        } catch {
                            if error.code == .poolClosed { closed.add() } else { wrong.add() }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                async let shutdown: Void = client.shutdown()
                try await Task.sleep(for: .milliseconds(100))
                let late = await redisError { _ = try await client.send(["PING"]) }
                #expect(late?.code == .poolClosed, "a command sent after shutdown began is refused")
                _ = try await other.send(["CLIENT", "UNPAUSE"])
                await shutdown
                try await group.waitForAll()
            }
        }
        #expect(wrong.value == 0)
        #expect(closed.value + answered.value == callers)
        #expect(answered.value > 0, "the requests in flight finished")
        try await server.stop()
    }

    /// A connection whose replies stop for longer than the command timeout (writes paused on the server) fails every
    /// request on its wire with ``RedisError/Code/timeout`` (their fate is unknown; none is sent again) and is replaced:
    /// the callers after it get their own replies on a new connection.
    @Test func aTimedOutConnectionFailsWhatWasOnItsWireAndIsReplaced() async throws {
        let callers = 300
        let timedOut = Counter()
        let other = Counter()
        let server = try await RedisServer.start()
        try await withClient(url: server.url, configure: { $0.commandTimeout = .milliseconds(800) }) { (client: RedisClient) async throws in
            try await withClient(url: server.url) { (admin: RedisClient) async throws in
                #expect(try await client.send(["PING"]) == .status("PONG"))
                _ = try await admin.send(["CLIENT", "PAUSE", "10000", "WRITE"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<callers {
                        group.addTask {
                            let error = await redisError { _ = try await client.send(["INCR", "first:\(index)"]) }
                            if error?.code == .timeout { timedOut.add() } else { other.add() }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(timedOut.value == callers && other.value == 0, "\(timedOut.value) timed out, \(other.value) did not")
                _ = try await admin.send(["CLIENT", "UNPAUSE"])
                let wrong = Counter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<callers {
                        group.addTask { if try await client.send(["ECHO", "second:\(index)"]).string != "second:\(index)" { wrong.add() } }
                    }
                    try await group.waitForAll()
                }
                #expect(wrong.value == 0)
                #expect(client.connection.connects.value == 2, "one new connection replaced the timed-out one")
            }
        }
        try await server.stop()
    }
}

/// A count shared by concurrent tasks.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { self.count.load(ordering: .relaxed) }
    func add() { self.count.add(1, ordering: .relaxed) }
}
