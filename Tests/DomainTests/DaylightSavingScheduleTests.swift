import Foundation
import Testing

@testable import Domain

/// The documented daylight-saving rule for weekly slots, in three zones with different change dates and offsets: a
/// slot whose wall time is skipped by a spring-forward gap fires once, moved forward by the gap; a slot whose wall
/// time happens twice in a fall-back overlap fires once, at its first (summer-time) occurrence. The weeks around keep
/// their wall time. Expected instants are worked out by hand from each zone's published rules.
@Suite struct DaylightSavingScheduleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var zone: String
        /// The Sunday before the change, the slot's wall time, and the three expected instants (week before, change day,
        /// week after).
        var start: String
        var time: String
        var expected: [String]
        var testDescription: String { "\(self.zone) \(self.start) \(self.time)" }
    }

    static let springForward: [Case] = [
        // CET→CEST on 2026-03-29 at 02:00: 02:30 does not exist, it fires at 03:30 CEST.
        Case(zone: "Europe/Paris", start: "2026-03-22", time: "02:30", expected: ["2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z"]),
        // EST→EDT on 2026-03-08 at 02:00: 02:30 fires at 03:30 EDT.
        Case(zone: "America/New_York", start: "2026-03-01", time: "02:30", expected: ["2026-03-01T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-15T06:30:00Z"]),
        // AEST→AEDT on 2026-10-04 at 02:00: 02:30 fires at 03:30 AEDT.
        Case(zone: "Australia/Sydney", start: "2026-09-27", time: "02:30", expected: ["2026-09-26T16:30:00Z", "2026-10-03T16:30:00Z", "2026-10-10T15:30:00Z"]),
    ]

    static let fallBack: [Case] = [
        // CEST→CET on 2026-10-25 at 03:00: 02:30 happens twice; the first (CEST, +2) is the one.
        Case(zone: "Europe/Paris", start: "2026-10-18", time: "02:30", expected: ["2026-10-18T00:30:00Z", "2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"]),
        // EDT→EST on 2026-11-01 at 02:00: 01:30 happens twice; the first (EDT, −4) is the one.
        Case(zone: "America/New_York", start: "2026-10-25", time: "01:30", expected: ["2026-10-25T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-08T06:30:00Z"]),
        // AEDT→AEST on 2026-04-05 at 03:00: 02:30 happens twice; the first (AEDT, +11) is the one.
        Case(zone: "Australia/Sydney", start: "2026-03-29", time: "02:30", expected: ["2026-03-28T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-11T16:30:00Z"]),
    ]

    @Test(arguments: springForward + fallBack)
    func aSlotAtAChangingWallTimeFiresOnceOnTheChangeDay(_ example: Case) throws {
        let schedule = CampaignSchedule.slots([.init(weekday: "sun", time: example.time)], timeZone: example.zone, startDate: example.start)
        let times = try schedule.roundTimes(rounds: 3, now: Self.utc("2026-01-01T00:00:00Z"), tolerance: 60)
        #expect(times == example.expected.map(Self.utc))
        // Exactly one firing on the change day, and the three are a week apart give or take the hour that changed.
        let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
        #expect(gaps.allSatisfy { abs($0 - 7 * 86_400) <= 3600 })
        #expect(Set(times).count == 3)
    }

    @Test(arguments: springForward + fallBack)
    func anAtTimeOnTheChangeDayResolvesTheSameWay(_ example: Case) throws {
        let changeDay = LocalDate(daysSinceEpoch: LocalDate(parsing: example.start)!.daysSinceEpoch + 7).text
        let schedule = CampaignSchedule.at(localDateTime: "\(changeDay)T\(example.time)", timeZone: example.zone)
        #expect(try schedule.roundTimes(rounds: 2, now: Self.utc("2026-01-01T00:00:00Z"), tolerance: 60) == [Self.utc(example.expected[1]), Self.utc(example.expected[1])])
    }

    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }
}
