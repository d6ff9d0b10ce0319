public import Foundation
public import Redis
import Synchronization

/// The queue's one clock: Redis's. Hosts' clocks disagree, so every time the queue judges (lease deadlines, promotion of
/// scheduled jobs, rate windows) is Redis's `TIME`, either read inside a script or, for a time needed outside one (how
/// long to sleep until the next due job, the local day of a daily cap), the local clock corrected by the offset this
/// clock measures against `TIME`.
///
/// The offset is measured at the midpoint of a `TIME` round trip and refreshed every ``refreshInterval``, so its
/// error is at most half a round trip plus the drift of the local clock between refreshes.
public final class RedisClock: Sendable {
    /// The Redis whose `TIME` is the truth.
    public let client: RedisClient
    /// The local clock (injectable so a test can skew it).
    public let wallClock: @Sendable () -> Date
    /// How long a measured offset is used before it is measured again.
    public let refreshInterval: Duration

    private struct Measurement {
        var offset: TimeInterval
        var measuredAt: ContinuousClock.Instant
    }

    private let measurement = Mutex<Measurement?>(nil)

    /// A clock reading `client`'s `TIME`, correcting `wallClock`.
    public init(client: RedisClient, wallClock: @escaping @Sendable () -> Date = { Date() }, refreshInterval: Duration = .seconds(30)) {
        self.client = client
        self.wallClock = wallClock
        self.refreshInterval = refreshInterval
    }

    /// Redis's time now: the local clock plus the measured offset (measured first when it is missing or stale).
    /// - Throws: ``JobQueueError`` `broker` when Redis cannot be asked and no offset was ever measured.
    public func now() async throws(JobQueueError) -> Date {
        let cached = self.measurement.withLock { $0 }
        if let cached, ContinuousClock.now - cached.measuredAt < self.refreshInterval {
            return self.wallClock().addingTimeInterval(cached.offset)
        }
        do {
            return self.wallClock().addingTimeInterval(try await self.measure())
        } catch {
            // A stale offset is better than the raw local clock while Redis is briefly unreachable.
            guard let cached else { throw error }
            return self.wallClock().addingTimeInterval(cached.offset)
        }
    }

    /// The last measured offset (Redis minus local, seconds), if any.
    public var offset: TimeInterval? { self.measurement.withLock { $0?.offset } }

    /// Asks Redis for `TIME` and stores Redis minus the local clock at the round trip's midpoint; returns it.
    @discardableResult
    public func measure() async throws(JobQueueError) -> TimeInterval {
        let sentLocal = self.wallClock()
        let sent = ContinuousClock.now
        let reply = try await RedisBoundary.call("time") { try await self.client.send(["TIME"]) }
        let roundTrip = (ContinuousClock.now - sent).timeInterval
        guard let parts = reply.array, parts.count == 2, let seconds = parts[0].string.flatMap(Double.init),
            let micros = parts[1].string.flatMap(Double.init)
        else { throw JobQueueError(.broker, detail: "TIME: unexpected reply \(reply)") }
        let redisNow = seconds + micros / 1_000_000
        let offset = redisNow - (sentLocal.timeIntervalSince1970 + roundTrip / 2)
        self.measurement.withLock { $0 = Measurement(offset: offset, measuredAt: ContinuousClock.now) }
        return offset
    }
}
