import Foundation

/// When a campaign's posts run. Local times are wall-clock times in an IANA time zone, resolved with the time zone
/// database when the campaign starts, so a daylight-saving change never moves, drops or doubles a post.
///
/// JSON: `{"type": "now"}`, `{"type": "at", "at": "2026-12-01T09:00:00", "timezone": "Europe/Paris"}` or
/// `{"type": "slots", "slots": [{"weekday": "mon", "time": "09:00"}], "timezone": "…", "start_date": "2026-12-01"}`.
/// The strings are kept as given and checked by ``problems``, so every bad field is reported at once.
public enum CampaignSchedule: Sendable, Hashable, Codable {
    /// Every post is due when the campaign starts.
    case now
    /// Every post is due at one wall-clock time (`YYYY-MM-DDTHH:MM[:SS]`) in `timeZone`.
    case at(localDateTime: String, timeZone: String)
    /// Recurring weekly slots in `timeZone`, from `startDate` (`YYYY-MM-DD`, inclusive) on; each account posts once
    /// per slot occurrence.
    case slots([WeeklySlot], timeZone: String, startDate: String)

    /// One weekly slot: a weekday (`mon` … `sun`) and a wall-clock time (`HH:MM`).
    public struct WeeklySlot: Sendable, Hashable, Codable {
        /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`.
        public var weekday: String
        /// `HH:MM`, 24-hour clock.
        public var time: String

        /// A slot; checked by ``CampaignSchedule/problems``.
        public init(weekday: String, time: String) {
            self.weekday = weekday
            self.time = time
        }
    }

    /// The weekday names, Monday first.
    public static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    /// Most slots one schedule may hold.
    public static let maximumSlots = 100

    /// The schedule's IANA time zone; `nil` for ``now``.
    public var timeZone: String? {
        switch self {
        case .now: nil
        case .at(_, let zone), .slots(_, let zone, _): zone
        }
    }

    /// Every problem with the schedule, fields prefixed `schedule.`.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        if let zone = self.timeZone, Self.zone(zone) == nil {
            problems.append(FieldProblem(field: "schedule.timezone", problem: "is not an IANA time zone name (e.g. Europe/Paris)"))
        }
        switch self {
        case .now:
            break
        case .at(let at, _):
            if LocalDateTime(parsing: at) == nil {
                problems.append(FieldProblem(field: "schedule.at", problem: "must be a local date and time YYYY-MM-DDTHH:MM[:SS]"))
            }
        case .slots(let slots, _, let startDate):
            if slots.isEmpty || slots.count > Self.maximumSlots {
                problems.append(FieldProblem(field: "schedule.slots", problem: "must hold 1 to \(Self.maximumSlots) slots"))
            }
            var seen: Set<WeeklySlot> = []
            for (index, slot) in slots.enumerated() {
                if !Self.weekdays.contains(slot.weekday) {
                    problems.append(FieldProblem(field: "schedule.slots[\(index)].weekday", problem: "must be one of mon, tue, wed, thu, fri, sat, sun"))
                }
                if LocalTimeOfDay(parsing: slot.time, allowSeconds: false) == nil {
                    problems.append(FieldProblem(field: "schedule.slots[\(index)].time", problem: "must be a time HH:MM (00:00 to 23:59)"))
                }
                if !seen.insert(slot).inserted {
                    problems.append(FieldProblem(field: "schedule.slots[\(index)]", problem: "repeats an earlier slot"))
                }
            }
            if LocalDate(parsing: startDate) == nil {
                problems.append(FieldProblem(field: "schedule.start_date", problem: "must be a date YYYY-MM-DD"))
            }
        }
        return problems
    }

    /// The zone for an IANA name, refusing abbreviations and offsets that Foundation would also accept.
    static func zone(_ name: String) -> TimeZone? {
        guard !name.isEmpty, name.count <= 64, name == "UTC" || name.contains("/"), let zone = TimeZone(identifier: name) else { return nil }
        return zone
    }

    // MARK: - Codable

    enum CodingKeys: String, CodingKey {
        case type, at, timezone, slots, startDate = "start_date"
    }

    /// Decodes the `type`-tagged JSON form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "now":
            self = .now
        case "at":
            self = .at(
                localDateTime: try container.decode(String.self, forKey: .at), timeZone: try container.decode(String.self, forKey: .timezone))
        case "slots":
            self = .slots(
                try container.decode([WeeklySlot].self, forKey: .slots), timeZone: try container.decode(String.self, forKey: .timezone),
                startDate: try container.decode(String.self, forKey: .startDate))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "type must be now, at or slots")
        }
    }

    /// Encodes the `type`-tagged JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .now:
            try container.encode("now", forKey: .type)
        case .at(let at, let zone):
            try container.encode("at", forKey: .type)
            try container.encode(at, forKey: .at)
            try container.encode(zone, forKey: .timezone)
        case .slots(let slots, let zone, let startDate):
            try container.encode("slots", forKey: .type)
            try container.encode(slots, forKey: .slots)
            try container.encode(zone, forKey: .timezone)
            try container.encode(startDate, forKey: .startDate)
        }
    }
}
