import Foundation

extension CampaignSchedule {
    /// The run time of each round of posts, for `rounds` rounds (a round = one post per account; see ``CampaignPlan``):
    /// - `now`: every round at `now`;
    /// - `at`: every round at that wall time in the zone (refused when more than `tolerance` in the past);
    /// - `slots`: round *k* at the *k*-th slot occurrence, in time order, from `start_date` on, skipping occurrences before
    ///   `now` and occurrences that fall on the same instant as an earlier one (two slots moved onto one instant by a
    ///   spring-forward gap).
    /// - Throws: ``DomainError`` `invalidInput` on the schedule's fields.
    func roundTimes(rounds: Int, now: Date, tolerance: TimeInterval) throws(DomainError) -> [Date] {
        let problems = self.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        switch self {
        case .now:
            return Array(repeating: now, count: rounds)
        case .at(let text, let zoneName):
            guard let local = LocalDateTime(parsing: text), let zone = Self.zone(zoneName) else { return [] }
            let instant = local.instant(in: zone)
            guard instant >= now.addingTimeInterval(-tolerance) else {
                throw DomainError.invalidInput([FieldProblem(field: "schedule.at", problem: "is in the past; choose a later time or schedule now")])
            }
            return Array(repeating: instant, count: rounds)
        case .slots(let slots, let zoneName, let startText):
            guard let zone = Self.zone(zoneName), let start = LocalDate(parsing: startText) else { return [] }
            return Self.slotTimes(Self.parsed(slots), zone: zone, start: start, count: rounds, now: now)
        }
    }

    /// The first `count` occurrences (at or after `now`) of weekly `slots` from `start` on, in `zone`.
    static func slotTimes(_ slots: [(weekday: Int, time: LocalTimeOfDay)], zone: TimeZone, start: LocalDate, count: Int, now: Date) -> [Date] {
        guard count > 0, !slots.isEmpty else { return [] }
        var byWeekday: [[LocalTimeOfDay]] = Array(repeating: [], count: 7)
        for slot in slots { byWeekday[slot.weekday].append(slot.time) }
        for index in byWeekday.indices { byWeekday[index].sort() }
        // Days before yesterday (local) can hold no occurrence at or after now: start there at the latest.
        let today = LocalDateTime(instant: now, zone: zone).date.daysSinceEpoch
        var day = max(start.daysSinceEpoch, today - 1)
        var times: [Date] = []
        times.reserveCapacity(count)
        while times.count < count {
            let date = LocalDate(daysSinceEpoch: day)
            for time in byWeekday[date.weekdayIndex] {
                let instant = LocalDateTime(date: date, time: time).instant(in: zone)
                guard instant >= now, instant > (times.last ?? .distantPast) else { continue }
                times.append(instant)
                if times.count == count { break }
            }
            day += 1
        }
        return times
    }

    /// Valid slots as (weekday index, time); invalid ones are left out (``problems`` reports them).
    static func parsed(_ slots: [WeeklySlot]) -> [(weekday: Int, time: LocalTimeOfDay)] {
        slots.compactMap { slot in
            guard let weekday = Self.weekdays.firstIndex(of: slot.weekday), let time = LocalTimeOfDay(parsing: slot.time, allowSeconds: false)
            else { return nil }
            return (weekday, time)
        }
    }
}
