import Pooling
import Synchronization
import TestSupport
import Testing

/// A stand-in connection: the pool logic is pure Swift, so it is tested without a server (the drivers' own tests
/// exercise the same pool against real Redis and PostgreSQL).
final class CountingConnection: PoolableConnection {
    let id: Int
    private let broken = Mutex(false)
    private let closed = Mutex(false)
    init(id: Int) { self.id = id }
    var isReusable: Bool { !self.broken.withLock { $0 } }
    var isClosed: Bool { self.closed.withLock { $0 } }
    func breakIt() { self.broken.withLock { $0 = true } }
    func close() { self.closed.withLock { $0 = true } }
}

struct RefusedError: Error {}
struct FatalConnectError: Error {}

final class Opener: Sendable {
    private let opened = Mutex(0)
    private let failuresLeft: Mutex<Int>
    init(failFirst: Int = 0) { self.failuresLeft = Mutex(failFirst) }
    var count: Int { self.opened.withLock { $0 } }
    func open() throws -> CountingConnection {
        let fail = self.failuresLeft.withLock { left -> Bool in
            if left > 0 { left -= 1; return true }
            return false
        }
        if fail { throw RefusedError() }
        return CountingConnection(id: self.opened.withLock { $0 += 1; return $0 })
    }
}

@Suite struct ConnectionPoolTests {
    func makePool(size: Int = 2, timeout: Duration = .milliseconds(300), opener: Opener) -> ConnectionPool<CountingConnection> {
        ConnectionPool(
            configuration: ConnectionPoolConfiguration(maximumConnections: size, acquireTimeout: timeout),
            isRetryable: { $0 is RefusedError }, connect: { try opener.open() })
    }

    @Test func reusesAnIdleConnection() async throws {
        let opener = Opener()
        let pool = makePool(opener: opener)
        let first = try await pool.withConnection { $0.id }
        let second = try await pool.withConnection { $0.id }
        #expect(first == second)
        #expect(opener.count == 1)
        #expect(pool.statistics == .init(open: 1, idle: 1, waiting: 0))
    }

    @Test func replacesABrokenConnection() async throws {
        let opener = Opener()
        let pool = makePool(opener: opener)
        let broken = try await pool.acquire()
        broken.breakIt()
        pool.release(broken)
        let next = try await pool.withConnection { $0.id }
        #expect(broken.isClosed, "checked and closed when it would have been handed out")
        #expect(next != broken.id)
        #expect(pool.statistics.open == 1)
    }

    @Test func exhaustionWaitsThenTimesOutWithAClearError() async throws {
        let pool = makePool(size: 1, timeout: .milliseconds(200), opener: Opener())
        let held = try await pool.acquire()
        let started = ContinuousClock.now
        await #expect(throws: PoolError.self) { _ = try await pool.acquire() }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(150) && waited < .seconds(5))
        do {
            _ = try await pool.acquire()
        } catch let error as PoolError {
            #expect(error.code == .exhausted)
            #expect(error.description.contains("busy"))
        }
        pool.release(held)
        #expect(pool.statistics.waiting == 0)
    }

    @Test func aWaiterGetsTheReleasedConnection() async throws {
        let pool = makePool(size: 1, timeout: .seconds(5), opener: Opener())
        let held = try await pool.acquire()
        async let waiter = pool.withConnection { $0.id }
        try await eventually("a caller to wait for the connection", poll: .milliseconds(5)) { pool.statistics.waiting > 0 }
        pool.release(held)
        #expect(try await waiter == held.id)
    }

    @Test func retriesRetryableConnectFailures() async throws {
        let opener = Opener(failFirst: 3)
        let pool = makePool(timeout: .seconds(5), opener: opener)
        let id = try await pool.withConnection { $0.id }
        #expect(id == 1)
    }

    @Test func stopsAtAFatalConnectFailure() async throws {
        let pool = ConnectionPool<CountingConnection>(
            configuration: ConnectionPoolConfiguration(maximumConnections: 1, acquireTimeout: .seconds(5)),
            isRetryable: { _ in false }, connect: { throw FatalConnectError() })
        let started = ContinuousClock.now
        await #expect(throws: FatalConnectError.self) { _ = try await pool.acquire() }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(pool.statistics.open == 0)
    }

    @Test func closeFailsWaitersAndClosesIdleConnections() async throws {
        let pool = makePool(size: 1, timeout: .seconds(5), opener: Opener())
        let held = try await pool.acquire()
        let waiter = Task { try await pool.withConnection { $0.id } }
        try await eventually("a caller to wait for the connection", poll: .milliseconds(5)) { pool.statistics.waiting > 0 }
        pool.close()
        await #expect(throws: PoolError.self) { _ = try await waiter.value }
        pool.release(held)
        #expect(held.isClosed)
        await #expect(throws: PoolError.self) { _ = try await pool.acquire() }
    }

    @Test func manyTasksShareASmallPool() async throws {
        let opener = Opener()
        let pool = makePool(size: 3, timeout: .seconds(10), opener: opener)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { try await pool.withConnection { _ in await Task.yield() } }
            }
            try await group.waitForAll()
        }
        #expect(opener.count <= 3)
        #expect(pool.statistics.waiting == 0)
    }
}
