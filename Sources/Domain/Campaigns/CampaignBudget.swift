import Foundation

/// The posting budget of the accounts a campaign start touches, and how a start keeps inside it (issue 9, point 5):
///
/// - **Daily cap**: an account posts at most `accounts.daily_cap` times (default 15) per local day, the day read in the
///   account's IANA time zone (`accounts.timezone`). Its existing posts count — of any campaign, or standalone — unless
///   they are `cancelled`, `failed` or `missed`, and so do the planned ones.
/// - **Inbox limit**, for `inbox` campaigns: TikTok refuses a sixth pending inbox share of one creator within 24 hours
///   (`spam_risk_too_many_pending_share`), so no 24-hour window may hold more than 5 inbox posts of one account (its
///   existing inbox posts, counted as above, plus the planned ones). Two posts share a window when they are less than
///   24 hours apart.
/// - Over budget with `over_budget = reject`: the start is refused with one problem (field `budget`) per account and
///   local day over a limit, naming the account (id and nickname), the day (`YYYY-MM-DD` in its zone), the count it
///   would reach and the limit. Nothing is written.
/// - With `over_budget = spread`: the posts are placed in plan order; a post that does not fit moves to the next day
///   at the same wall-clock time (in the schedule's zone; in the account's zone for a `now` schedule), then the day
///   after, as far as needed, and is `scheduled` like any later post. A day refused once stays refused (budgets only
///   fill up), so posts keep their plan order per account and wall time. An account with a daily cap of 0 cannot take a
///   post at all; neither can one with no room within ``maximumSpreadDays``: those are refused as above.
///
/// Only days and windows holding a planned post are judged: an account already over its budget elsewhere is not this
/// campaign's business.
struct CampaignBudget: Sendable {
    /// TikTok's most pending inbox shares per creator within ``inboxWindow``.
    static let inboxLimit = 5
    /// The length of TikTok's inbox window.
    static let inboxWindow: TimeInterval = 86_400
    /// Statuses of posts that use no budget ('missed' is counted out even before the post status enum has it).
    static let freeStatuses = ["cancelled", "failed", "missed"]
    /// How far `spread` looks for room before it gives up on a post.
    static let maximumSpreadDays = 3_660
    /// Most problems one refusal lists (then one more line says how many were left out).
    static let maximumProblems = 100

    /// An account as the budget needs it.
    struct Account: Sendable {
        var id: UUID
        var nickname: String
        /// The IANA name, as stored.
        var zoneName: String
        var zone: TimeZone
        var dailyCap: Int
    }

    /// Existing posts of one account at one run time.
    struct Existing: Sendable, Hashable {
        var runAt: Date
        var inbox: Bool
        var count: Int
    }

    /// The accounts, indexed as the plan indexes them.
    var accounts: [Account]
    /// The existing posts that use budget, per account index.
    var existing: [[Existing]]
    /// Whether the planned posts are inbox shares (then the inbox limit applies).
    var inbox: Bool
    /// The zone of the schedule's wall times (`at`, `slots`); `nil` for `now` (the account's zone is used).
    var scheduleZone: TimeZone?

    /// The run times of the planned posts after the budget: the same times when everything fits; under `spread`, the
    /// overflow moved to later days.
    /// - Parameters:
    ///   - times: Each planned post's run time, in plan order.
    ///   - accountIndexes: Each planned post's account (an index into ``accounts``).
    /// - Throws: ``DomainError`` `invalidInput` (field `budget`) when `reject` finds a day over budget, or `spread`
    ///   cannot place a post.
    func apply(times: [Date], accountIndexes: [Int], policy: Campaign.OverBudget) throws(DomainError) -> [Date] {
        var days = DayCache(zones: self.accounts.map(\.zone))
        switch policy {
        case .reject:
            let problems = self.rejectProblems(times: times, accountIndexes: accountIndexes, days: &days)
            guard problems.isEmpty else {
                throw DomainError.invalidInput(
                    Self.limited(problems),
                    message: "the campaign would take accounts over their daily cap or TikTok's inbox limit; "
                        + "set over_budget to spread to move the overflow to the following days")
            }
            return times
        case .spread:
            return try self.spread(times: times, accountIndexes: accountIndexes, days: &days)
        }
    }

    // MARK: - Reject

    private func rejectProblems(times: [Date], accountIndexes: [Int], days: inout DayCache) -> [FieldProblem] {
        var ledgers = self.ledgers(days: &days)
        // A campaign's posts share a few run times: count them per account and time first.
        var planned: [Slot: Int] = [:]
        for (time, index) in zip(times, accountIndexes) { planned[Slot(account: index, time: time), default: 0] += 1 }
        var plannedDays: [Set<Int>] = Array(repeating: [], count: self.accounts.count)
        var plannedInbox: [[Date]] = Array(repeating: [], count: self.accounts.count)
        for (slot, count) in planned {
            let day = days.day(of: slot.time, account: slot.account)
            ledgers[slot.account].posts[day, default: 0] += count
            plannedDays[slot.account].insert(day)
            if self.inbox { plannedInbox[slot.account] += Array(repeating: slot.time, count: count) }
        }
        var problems: [FieldProblem] = []
        for (index, account) in self.accounts.enumerated() {
            for day in plannedDays[index].sorted() {
                let total = ledgers[index].posts[day] ?? 0
                if total > account.dailyCap {
                    problems.append(Self.dailyProblem(account, day: LocalDate(daysSinceEpoch: day).text, count: total))
                }
            }
            guard self.inbox, !plannedInbox[index].isEmpty else { continue }
            let planned = plannedInbox[index].sorted()
            let all = (ledgers[index].inboxTimes + planned).sorted()
            var worst: [Int: Int] = [:]
            for (position, time) in all.enumerated() {
                let count = position - Self.firstIndex(in: all, after: time.addingTimeInterval(-Self.inboxWindow)) + 1
                guard count > Self.inboxLimit else { continue }
                // Judged only when the window (time − 24 h, time] holds a planned post.
                let firstPlanned = Self.firstIndex(in: planned, after: time.addingTimeInterval(-Self.inboxWindow))
                guard firstPlanned < planned.count, planned[firstPlanned] <= time else { continue }
                let day = days.day(of: time, account: index)
                worst[day] = max(worst[day] ?? 0, count)
            }
            for (day, count) in worst.sorted(by: { $0.key < $1.key }) {
                problems.append(Self.inboxProblem(account, day: LocalDate(daysSinceEpoch: day).text, count: count))
            }
        }
        return problems
    }

    // MARK: - Spread

    /// Posts of one account at one time.
    private struct Slot: Hashable {
        var account: Int
        var time: Date
    }

    private struct WallKey: Hashable {
        var account: Int
        var secondOfDay: Int
    }

    private func spread(times: [Date], accountIndexes: [Int], days: inout DayCache) throws(DomainError) -> [Date] {
        var ledgers = self.ledgers(days: &days)
        // The first day (days since epoch, in the shifting zone) not yet known to be refused, per account and wall time.
        var firstOpenDay: [WallKey: Int] = [:]
        var walls: [Slot: LocalDateTime] = [:]
        var refused: [Int: FieldProblem] = [:]
        var result = times
        for (offset, (time, index)) in zip(times, accountIndexes).enumerated() {
            let account = self.accounts[index]
            guard account.dailyCap > 0 else {
                refused[index] = refused[index] ?? FieldProblem(
                    field: "budget", problem: "\(Self.name(account)) has a daily cap of 0, so no day can take its posts")
                continue
            }
            let zone = self.scheduleZone ?? account.zone
            let wall = walls[Slot(account: index, time: time)] ?? LocalDateTime(instant: time, zone: zone)
            walls[Slot(account: index, time: time)] = wall
            let key = WallKey(account: index, secondOfDay: wall.time.secondOfDay)
            let baseDay = wall.date.daysSinceEpoch
            // LocalDateTime keeps whole seconds; a `now` run time keeps its fraction on later days too.
            let fraction = time.timeIntervalSince1970 - time.timeIntervalSince1970.rounded(.down)
            var day = max(baseDay, firstOpenDay[key] ?? baseDay)
            var placed: Date?
            while day - baseDay <= Self.maximumSpreadDays {
                let candidate =
                    day == baseDay
                    ? time : LocalDateTime(date: LocalDate(daysSinceEpoch: day), time: wall.time).instant(in: zone).addingTimeInterval(fraction)
                let accountDay = days.day(of: candidate, account: index)
                if ledgers[index].posts[accountDay, default: 0] < account.dailyCap, !self.inbox || ledgers[index].inboxFits(candidate) {
                    ledgers[index].posts[accountDay, default: 0] += 1
                    if self.inbox { ledgers[index].insertInbox(candidate) }
                    placed = candidate
                    break
                }
                day += 1
            }
            firstOpenDay[key] = day
            if let placed {
                result[offset] = placed
            } else if refused[index] == nil {
                refused[index] = FieldProblem(
                    field: "budget",
                    problem: "\(Self.name(account)) has no room for a post within \(Self.maximumSpreadDays) days of \(wall.date.text)")
            }
        }
        guard refused.isEmpty else {
            throw DomainError.invalidInput(Self.limited(refused.sorted { $0.key < $1.key }.map(\.value)), message: "some posts cannot be spread")
        }
        return result
    }

    // MARK: - Ledgers

    /// What one account has used: posts per local day (days since epoch in its zone) and its inbox times, sorted.
    private struct Ledger {
        var posts: [Int: Int] = [:]
        var inboxTimes: [Date] = []

        /// Whether one more inbox post at `time` keeps every 24-hour window holding it at 5 or fewer.
        func inboxFits(_ time: Date) -> Bool {
            let window = CampaignBudget.inboxWindow
            let upTo = CampaignBudget.firstIndex(in: self.inboxTimes, after: time)
            if upTo - CampaignBudget.firstIndex(in: self.inboxTimes, after: time.addingTimeInterval(-window)) + 1 > CampaignBudget.inboxLimit {
                return false
            }
            var position = upTo
            while position < self.inboxTimes.count, self.inboxTimes[position] < time.addingTimeInterval(window) {
                let later = self.inboxTimes[position]
                let count = position - CampaignBudget.firstIndex(in: self.inboxTimes, after: later.addingTimeInterval(-window)) + 2
                if count > CampaignBudget.inboxLimit { return false }
                position += 1
            }
            return true
        }

        mutating func insertInbox(_ time: Date) {
            self.inboxTimes.insert(time, at: CampaignBudget.firstIndex(in: self.inboxTimes, after: time))
        }
    }

    private func ledgers(days: inout DayCache) -> [Ledger] {
        var ledgers = Array(repeating: Ledger(), count: self.accounts.count)
        for (index, posts) in self.existing.enumerated() where index < ledgers.count {
            for post in posts {
                ledgers[index].posts[days.day(of: post.runAt, account: index), default: 0] += post.count
                if post.inbox { ledgers[index].inboxTimes += Array(repeating: post.runAt, count: post.count) }
            }
            ledgers[index].inboxTimes.sort()
        }
        return ledgers
    }

    /// Local days (days since epoch) of instants in each account's zone, remembered per account and instant (a
    /// campaign's posts share a few run times).
    private struct DayCache {
        let zones: [TimeZone]
        private var known: [Slot: Int] = [:]

        init(zones: [TimeZone]) { self.zones = zones }

        mutating func day(of instant: Date, account: Int) -> Int {
            let key = Slot(account: account, time: instant)
            if let day = self.known[key] { return day }
            let day = LocalDateTime(instant: instant, zone: self.zones[account]).date.daysSinceEpoch
            self.known[key] = day
            return day
        }
    }

    /// The index of the first time after `time` in sorted `times` (`times.count` when none).
    static func firstIndex(in times: [Date], after time: Date) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: - Problems

    /// `account <id> (@<nickname>)`.
    static func name(_ account: Account) -> String { "account \(account.id.uuidString.lowercased()) (@\(account.nickname))" }

    /// An account over its daily cap on `day` (a date, or words such as "the day it starts").
    static func dailyProblem(_ account: Account, day: String, count: Int) -> FieldProblem {
        FieldProblem(
            field: "budget",
            problem: "\(Self.name(account)) would post \(count) times on \(day) (\(account.zoneName)), over its daily cap of \(account.dailyCap)")
    }

    /// An account over TikTok's inbox limit in a window ending on `day`.
    static func inboxProblem(_ account: Account, day: String, count: Int) -> FieldProblem {
        FieldProblem(
            field: "budget",
            problem: "\(Self.name(account)) would have \(count) inbox shares within 24 hours on \(day) (\(account.zoneName)), "
                + "over TikTok's limit of \(Self.inboxLimit) pending inbox shares per 24 hours")
    }

    /// At most ``maximumProblems`` problems, then one line saying how many more there were.
    static func limited(_ problems: [FieldProblem]) -> [FieldProblem] {
        guard problems.count > Self.maximumProblems else { return problems }
        return Array(problems.prefix(Self.maximumProblems))
            + [FieldProblem(field: "budget", problem: "and \(problems.count - Self.maximumProblems) more over budget")]
    }
}
