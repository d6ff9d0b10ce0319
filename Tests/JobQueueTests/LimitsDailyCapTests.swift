import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

@Suite struct LimitsDailyCapTests {
    @Test func capsTheLocalDayAndResetsAtLocalMidnight() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let evening = iso("2026-11-25T23:10:00+01:00")
            for _ in 0..<3 {
                #expect(try await cap.reserve(key: "account:1:posts", cap: 3, timeZone: "Europe/Berlin", now: evening) == .granted)
            }
            let denied = try await cap.reserve(key: "account:1:posts", cap: 3, timeZone: "Europe/Berlin", now: evening)
            #expect(denied == .denied(retryAt: iso("2026-11-26T00:00:00+01:00")))
            #expect(try await cap.used(key: "account:1:posts", timeZone: "Europe/Berlin", now: evening) == 3)
            let nextDay = iso("2026-11-26T00:00:00+01:00")
            #expect(try await cap.used(key: "account:1:posts", timeZone: "Europe/Berlin", now: nextDay) == 0)
            #expect(try await cap.reserve(key: "account:1:posts", cap: 3, timeZone: "Europe/Berlin", now: nextDay) == .granted)
            let counter = "\(prefix):limit:{account:1:posts}:day:2026-11-25"
            #expect(try await client.send(["GET", counter]).int == 3)
            let ttl = try await client.send(["PTTL", counter]).int ?? -1
            #expect(ttl > 50 * 60_000 && ttl <= (50 + 60) * 60_000, "50 minutes left in the day plus the 1 h margin")
        }
    }

    @Test func theSameInstantIsADifferentDayInAnotherZone() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let now = iso("2026-11-25T23:30:00Z")
            _ = try await cap.reserve(key: "k", cap: 1, timeZone: "UTC", now: now)
            #expect(try await cap.reserve(key: "k", cap: 1, timeZone: "UTC", now: now).isGranted == false)
            #expect(try await cap.reserve(key: "k", cap: 1, timeZone: "Asia/Tokyo", now: now) == .granted, "already the 26th in Tokyo")
        }
    }

    @Test(arguments: [
        // Spring forward: 2026-03-29 has 23 hours in Berlin.
        ("2026-03-29T00:30:00+01:00", "2026-03-30T00:00:00+02:00"),
        ("2026-03-29T23:30:00+02:00", "2026-03-30T00:00:00+02:00"),
        ("2026-03-28T12:00:00+01:00", "2026-03-29T00:00:00+01:00"),
        // Fall back: 2026-10-25 has 25 hours in Berlin.
        ("2026-10-25T00:30:00+02:00", "2026-10-26T00:00:00+01:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-26T00:00:00+01:00"),
        ("2026-10-24T23:59:00+02:00", "2026-10-25T00:00:00+02:00"),
    ])
    func theNextMidnightIsRightAcrossDaylightSavingChanges(_ now: String, _ midnight: String) async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let decision = try await cap.reserve(key: "k", cap: 0, timeZone: "Europe/Berlin", now: iso(now))
            #expect(decision == .denied(retryAt: iso(midnight)))
        }
    }

    @Test func theDaysOfADaylightSavingChangeLast23And25Hours() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let spring = try await cap.reserve(key: "k", cap: 0, timeZone: "Europe/Berlin", now: iso("2026-03-29T00:00:00+01:00"))
            let springSeconds: Double = try #require(spring.retryAt).timeIntervalSince(iso("2026-03-29T00:00:00+01:00"))
            #expect(springSeconds.rounded() == 82_800.0, "23 hours")
            let autumn = try await cap.reserve(key: "k", cap: 0, timeZone: "Europe/Berlin", now: iso("2026-10-25T00:00:00+02:00"))
            let autumnSeconds: Double = try #require(autumn.retryAt).timeIntervalSince(iso("2026-10-25T00:00:00+02:00"))
            #expect(autumnSeconds.rounded() == 90_000.0, "25 hours")
        }
    }

    @Test func releaseGivesBackOneUnitAndNeverGoesNegative() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let now = iso("2026-06-01T12:00:00Z")
            #expect(try await cap.reserve(key: "k", cap: 1, timeZone: "UTC", now: now) == .granted)
            try await cap.release(key: "k", timeZone: "UTC", now: now)
            try await cap.release(key: "k", timeZone: "UTC", now: now)
            #expect(try await cap.used(key: "k", timeZone: "UTC", now: now) == 0)
            #expect(try await cap.reserve(key: "k", cap: 1, timeZone: "UTC", now: now) == .granted)
        }
    }

    @Test func concurrentReservationsNeverExceedTheCap() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let now = iso("2026-06-01T12:00:00Z")
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await cap.reserve(key: "k", cap: 15, timeZone: "America/New_York", now: now).isGranted ? 1 : 0 }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 15)
        }
    }

    @Test func anUnknownTimeZoneIsAnInvalidArgument() async throws {
        try await withLimitsClient { (client, prefix) async throws in
            let cap = DailyCap(client: client, prefix: prefix)
            let error = await #expect(throws: JobQueueError.self) {
                try await cap.reserve(key: "k", cap: 1, timeZone: "Mars/Olympus_Mons", now: .now)
            }
            #expect(error?.code == .invalidArgument)
        }
    }
}
