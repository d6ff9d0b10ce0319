import Foundation

/// A calendar date with no time zone (`YYYY-MM-DD`), proleptic Gregorian.
struct LocalDate: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int

    /// Parses exactly `YYYY-MM-DD` with a real day of that month; `nil` otherwise.
    init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = LocalTimeParsing.digits(parts[0]), let month = LocalTimeParsing.digits(parts[1]),
            let day = LocalTimeParsing.digits(parts[2]), year >= 1, (1...12).contains(month), day >= 1,
            day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `daysSinceEpoch` days after 1970-01-01 (Howard Hinnant's civil-from-days).
    init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        self.day = dayOfYear - (153 * mp + 2) / 5 + 1
        self.month = mp < 10 ? mp + 3 : mp - 9
        self.year = yearOfEra + era * 400 + (self.month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01.
    var daysSinceEpoch: Int {
        let y = self.month <= 2 ? self.year - 1 : self.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (self.month + (self.month > 2 ? -3 : 9)) + 2) / 5 + self.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    var weekdayIndex: Int { ((self.daysSinceEpoch % 7) + 7 + 3) % 7 }

    /// `YYYY-MM-DD`.
    var text: String { "\(LocalTimeParsing.pad(self.year, 4))-\(LocalTimeParsing.pad(self.month, 2))-\(LocalTimeParsing.pad(self.day, 2))" }

    static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A wall-clock time of day, `HH:MM[:SS]`.
struct LocalTimeOfDay: Sendable, Hashable, Comparable {
    var hour: Int
    var minute: Int
    var second: Int

    /// Parses `HH:MM`, or `HH:MM:SS` when `allowSeconds`; 24-hour clock.
    init?(parsing text: some StringProtocol, allowSeconds: Bool) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || (allowSeconds && parts.count == 3), parts.allSatisfy({ $0.count == 2 }),
            let hour = LocalTimeParsing.digits(parts[0]), let minute = LocalTimeParsing.digits(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        var second = 0
        if parts.count == 3 {
            guard let value = LocalTimeParsing.digits(parts[2]), (0...59).contains(value) else { return nil }
            second = value
        }
        self.init(hour: hour, minute: minute, second: second)
    }

    init(hour: Int, minute: Int, second: Int = 0) {
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    var secondOfDay: Int { self.hour * 3600 + self.minute * 60 + self.second }

    static func < (lhs: LocalTimeOfDay, rhs: LocalTimeOfDay) -> Bool { lhs.secondOfDay < rhs.secondOfDay }
}

/// A wall-clock date and time with no zone: `YYYY-MM-DDTHH:MM[:SS]`.
struct LocalDateTime: Sendable, Hashable {
    var date: LocalDate
    var time: LocalTimeOfDay

    /// Parses `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (no offset, no fraction).
    init?(parsing text: String) {
        let halves = text.split(separator: "T", omittingEmptySubsequences: false)
        guard halves.count == 2, let date = LocalDate(parsing: halves[0]), let time = LocalTimeOfDay(parsing: halves[1], allowSeconds: true)
        else { return nil }
        self.init(date: date, time: time)
    }

    init(date: LocalDate, time: LocalTimeOfDay) {
        self.date = date
        self.time = time
    }

    /// The wall time read as if it were UTC, in seconds since the epoch.
    var wallSeconds: Int { self.date.daysSinceEpoch * 86_400 + self.time.secondOfDay }

    /// The instant this wall time names in `zone`, with the time zone database's rules:
    /// - a time that happens once is that instant;
    /// - a time skipped by a spring-forward gap moves forward by the gap (02:30 in a 02:00→03:00 gap is 03:30);
    /// - a time that happens twice in a fall-back overlap is its first occurrence (summer time).
    ///
    /// So a daylight-saving change never drops or doubles a post.
    func instant(in zone: TimeZone) -> Date {
        let wall = self.wallSeconds
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 86_400)))
        let valid = Set([before, after]).map { wall - $0 }.filter { candidate in
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == wall - candidate
        }
        if let first = valid.min() { return Date(timeIntervalSince1970: Double(first)) }
        // In a gap: the offset before the change carries the wall time past it.
        return Date(timeIntervalSince1970: Double(wall - before))
    }

    /// The wall time of `instant` in `zone`.
    init(instant: Date, zone: TimeZone) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: instant)
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        self.init(
            date: LocalDate(daysSinceEpoch: days),
            time: LocalTimeOfDay(hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60))
    }
}

/// Small parsing helpers shared by the local-time types.
enum LocalTimeParsing {
    /// A run of ASCII digits as a number; `nil` for anything else (signs, spaces, empty).
    static func digits(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(text)
    }

    /// `value` left-padded with zeros to `width`.
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
