import Pooling
import Testing

/// A connection released while a caller is on its way into the line must reach that caller: it may not sit idle while
/// the caller waits out its whole acquire timeout (a lost wake-up that made a Redis test wait 20 s for nothing).
@Suite struct PoolHandoverRaceTests {
    @Test func aConnectionReleasedAsACallerStartsWaitingReachesIt() async throws {
        let opener = Opener()
        let pool = ConnectionPool<CountingConnection>(
            configuration: ConnectionPoolConfiguration(maximumConnections: 1, acquireTimeout: .seconds(2)),
            isRetryable: { _ in false }, connect: { try opener.open() })
        var stuck = 0
        for round in 0..<400 {
            let held = try await pool.acquire()
            async let waiter = pool.acquire()
            // Release at varying moments while the waiter is still finding its way into the line.
            for _ in 0..<(round % 4) { await Task.yield() }
            pool.release(held)
            do {
                pool.release(try await waiter)
            } catch {
                stuck += 1
                break
            }
        }
        #expect(stuck == 0, "a caller waited out its timeout while the only connection sat idle")
        #expect(opener.count == 1)
        pool.close()
    }
}
