import Synchronization
@testable import Redis
import TestSupport
import Testing

/// A caller that is cancelled (a job timeout, a lost lease, shutdown) fails only itself: the callers whose commands were
/// queued behind it in the combiner each still get their own reply, and the connection it used stays usable.
@Suite struct RedisCancellationTests {
    /// The line: the only connection is leased elsewhere, so `first` holds the combiner's turn (waiting for a connection),
    /// `second` waits next in line, and `callers` more wait behind it. Then `cancelled` of the two are cancelled.
    @Test(arguments: [["second"], ["first", "second"], ["first"]])
    func cancelledCallersFailOnlyThemselves(cancelled: [String]) async throws {
        let prefix = TestEnvironment.uniqueName("cancel")
        let callers = 300
        let failed = Counter()
        let wrong = Counter()
        try await withClient(configure: { $0.poolSize = 1; $0.acquireTimeout = .seconds(20) }) { (client: RedisClient) async throws in
            try await withClient { (other: RedisClient) async throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { _ = try await client.withConnection { try $0.send(["BLPOP", "\(prefix):gate", "15"]) } }
                    try await waitUntil("the only connection to be leased") { client.poolCounts.open == 1 && client.poolCounts.idle == 0 }

                    // The callers that are cancelled run in a group of their own, so cancelling it touches nobody else.
                    try await withThrowingTaskGroup(of: Void.self) { doomed in
                        for name in ["first", "second"] {
                            let body = { @Sendable () async throws -> Void in
                                let reply: RedisValue
                                do throws(RedisError) {
                                    reply = try await client.send(["ECHO", name])
                                } catch {
                                    #expect(cancelled.contains(name), "\(name) was not cancelled but failed: \(error.debugDescription)")
                                    #expect(error.code == .cancelled, "\(name): \(error.debugDescription)")
                                    return
                                }
                                #expect(reply.string == name)
                            }
                            if cancelled.contains(name) { doomed.addTask(operation: body) } else { group.addTask(operation: body) }
                            if name == "first" {
                                try await waitUntil("first to wait for a connection") { client.poolWaiting == 1 }
                            } else {
                                try await waitUntil("second to wait in line") { client.combiner.queuedCallers == 1 }
                            }
                        }
                        for index in 0..<callers {
                            group.addTask { () async throws -> Void in
                                let value = "\(prefix):\(index)"
                                do {
                                    let echo = try await client.send(["ECHO", value])
                                    let count = try await client.send(["INCR", value])
                                    if echo.string != value || count != .integer(1) { wrong.add() }
                                } catch {
                                    failed.add()
                                }
                            }
                        }
                        try await waitUntil("every caller to wait in line") { client.combiner.queuedCallers == callers + 1 }
                        doomed.cancelAll()
                        _ = try await other.send(["LPUSH", "\(prefix):gate", "open"])
                        try await doomed.waitForAll()
                    }
                    try await group.waitForAll()
                }
                #expect(failed.value == 0, "callers that were not cancelled failed")
                #expect(wrong.value == 0, "callers got replies that were not theirs")
                #expect(try await client.send(["PING"]) == .status("PONG"))
                _ = try await other.send(["DEL"] + (0..<callers).map { "\(prefix):\($0)" })
            }
        }
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

    /// Shutting down while hundreds of callers wait in line for a busy connection: each gets `poolClosed` (or its own
    /// reply), never another caller's reply, and shutdown returns once the command in flight is done, with its reply.
    @Test func shutdownWithCallersInLineFailsThemCleanly() async throws {
        let callers = 300
        let wrong = Counter()
        let closed = Counter()
        let answered = Counter()
        // A server of its own, so the only blocked client it lists is ours.
        let server = try await RedisServer.start()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.poolSize = 1
        let client = RedisClient(configuration: configuration)
        try await withClient(url: server.url) { (other: RedisClient) async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let reply = try await client.withConnection { try $0.send(["BLPOP", "gate", "15"]) }
                    #expect(reply == .array([.bulk(Array("gate".utf8)), .bulk(Array("open".utf8))]))
                }
                try await eventually("the BLPOP to be on the wire") {
                    try await other.send(["CLIENT", "LIST"]).string?.contains("flags=b ") == true
                }
                for index in 0..<callers {
                    group.addTask {
                        let value = "caller:\(index)"
                        do throws(RedisError) {
                            if try await client.send(["ECHO", value]).string == value { answered.add() } else { wrong.add() }
                        } catch {
                            if error.code == .poolClosed { closed.add() } else { wrong.add() }
                        }
                    }
                }
                try await waitUntil("every caller to wait in line") { client.combiner.queuedCallers == callers - 1 }
                async let shutdown: Void = client.shutdown()
                _ = try await other.send(["LPUSH", "gate", "open"])
                await shutdown
                try await group.waitForAll()
            }
        }
        #expect(wrong.value == 0)
        #expect(closed.value + answered.value == callers)
        #expect(closed.value >= callers - 1, "the callers still in line were failed, not sent")
        try await server.stop()
    }

    /// A batch that fails on the wire (here: its reply outlasts the command timeout while the server is paused) fails
    /// only its own callers and retires its connection; the callers queued behind it are sent on a new connection and
    /// each gets its own reply.
    @Test func aFailedBatchRetiresItsConnectionAndTheLineMovesOn() async throws {
        let callers = 300
        let failed = Counter()
        let wrong = Counter()
        let server = try await RedisServer.start()
        // The pause outlasts the first batch's timeout, and ends within the timeout of the batch sent after it.
        let configure = { (configuration: inout RedisConfiguration) in
            configuration.poolSize = 1
            // Slack for a loaded 2-core machine: the first batch may leave up to 0.8 s after the pause and still time out.
            configuration.commandTimeout = .milliseconds(1200)
        }
        try await withClient(url: server.url, configure: configure) { (client: RedisClient) async throws in
            try await withClient(url: server.url) { (other: RedisClient) async throws in
                #expect(try await client.send(["PING"]) == .status("PONG"))
                let before = client.combiner.batchesSent.load(ordering: .relaxed)
                _ = try await other.send(["CLIENT", "PAUSE", "2000", "ALL"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let error = await redisError { _ = try await client.send(["ECHO", "first"]) }
                        #expect(error?.code == .timeout, "the first batch's reply came after the command timeout")
                    }
                    try await waitUntil("the first batch to be sent") { client.combiner.batchesSent.load(ordering: .relaxed) == before + 1 }
                    for index in 0..<callers {
                        group.addTask {
                            let value = "caller:\(index)"
                            do throws(RedisError) {
                                if try await client.send(["ECHO", value]).string != value { wrong.add() }
                            } catch {
                                failed.add()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(failed.value == 0 && wrong.value == 0, "\(failed.value) failed, \(wrong.value) got another caller's reply")
                #expect(client.poolCounts.open == 1, "the timed-out connection was replaced, not kept beside a new one")
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
