import Foundation
import Testing

@testable import Domain

/// Caption templates, local times, schedules and plans: no database.
@Suite struct CampaignTemplateTests {
    func values(index: Int = 7) -> CaptionTemplate.Values {
        CaptionTemplate.Values(
            accountNickname: "Ana", accountUsername: "ana_k", index: index, date: "2026-12-01", time: "09:05", campaignName: "Winter",
            mediaFilename: "clip.mp4")
    }

    @Test func rendersEveryVariableAndEscapes() throws {
        let template = try CaptionTemplate(
            parsing: "{account.nickname} @{account.username} #{index} {date} {time} {campaign.name} {media.filename} {{literal}} }}")
        #expect(template.render(self.values()) == "Ana @ana_k #7 2026-12-01 09:05 Winter clip.mp4 {literal} }")
        #expect(template.variables == Set(CaptionTemplate.Variable.allCases))
        #expect(try CaptionTemplate(parsing: "").render(self.values()) == "")
        #expect(try CaptionTemplate(parsing: "plain 🎬 text").render(self.values()) == "plain 🎬 text")
    }

    @Test func listsEveryProblem() {
        let problems = CaptionTemplate.problems(in: "{account.email} and {date and } then } {index")
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.allSatisfy { $0.field == "caption_template" })
        #expect(problems[0].problem.contains("unknown variable {account.email}"))
        #expect(problems[1].problem.contains("unknown variable {date and }"))
        #expect(problems[2].problem.contains("unmatched '}'"))
        #expect(problems[3].problem.contains("unclosed '{'"))
        #expect(CaptionTemplate.problems(in: "a { b {index}").count == 1)
        #expect(CaptionTemplate.problems(in: String(repeating: "x", count: 2201)).first?.problem.contains("at most 2200") == true)
        #expect(CaptionTemplate.problems(in: String(repeating: "x", count: 2200)).isEmpty)
        #expect(throws: DomainError.self) { try CaptionTemplate(parsing: "{nope}") }
    }

    @Test func knownLengthCountsTextAndKnownVariables() throws {
        let template = try CaptionTemplate(parsing: "ab{campaign.name}{account.nickname}{date}")
        #expect(template.length(knowing: [.campaignName: 6, .date: 10]) == 18)
    }
}

@Suite struct CampaignScheduleTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func parsesLocalDateTimesStrictly() {
        #expect(LocalDateTime(parsing: "2026-12-01T09:00") != nil)
        #expect(LocalDateTime(parsing: "2026-12-01T09:00:30")?.time.second == 30)
        #expect(LocalDateTime(parsing: "2028-02-29T00:00") != nil)
        for bad in ["2026-02-29T09:00", "2026-13-01T09:00", "2026-12-01 09:00", "2026-12-01T24:00", "2026-12-01T09:60", "2026-12-1T09:00",
            "2026-12-01T09:00Z", "2026-12-01T09:00:00.5", "", "+026-12-01T09:00"]
        {
            #expect(LocalDateTime(parsing: bad) == nil, "\(bad)")
        }
        #expect(LocalDate(parsing: "2026-03-23")?.weekdayIndex == 0, "a Monday")
        #expect(LocalDate(parsing: "1970-01-01")?.weekdayIndex == 3, "a Thursday")
        #expect(LocalDate(daysSinceEpoch: LocalDate(parsing: "2026-03-23")!.daysSinceEpoch + 7).text == "2026-03-30")
    }

    @Test func convertsAcrossParisSpringForwardAndFallBack() {
        func instant(_ text: String) -> Date { LocalDateTime(parsing: text)!.instant(in: self.paris) }
        #expect(instant("2026-03-28T09:00") == utc("2026-03-28T08:00:00Z"), "winter time, +1")
        #expect(instant("2026-03-29T09:00") == utc("2026-03-29T07:00:00Z"), "summer time, +2, same day as the change")
        #expect(instant("2026-03-29T01:59") == utc("2026-03-29T00:59:00Z"))
        #expect(instant("2026-03-29T02:30") == utc("2026-03-29T01:30:00Z"), "in the gap: moved forward by the gap, 03:30 CEST")
        #expect(instant("2026-03-29T03:00") == utc("2026-03-29T01:00:00Z"))
        #expect(instant("2026-10-25T02:30") == utc("2026-10-25T00:30:00Z"), "happens twice: the first (CEST) occurrence")
        #expect(instant("2026-10-25T03:30") == utc("2026-10-25T02:30:00Z"), "winter time again")
        let back = LocalDateTime(instant: utc("2026-03-29T07:00:00Z"), zone: self.paris)
        #expect(back.date.text == "2026-03-29" && back.time.hour == 9)
    }

    @Test func atScheduleResolvesInItsZoneAndRefusesThePast() throws {
        let schedule = CampaignSchedule.at(localDateTime: "2026-03-29T09:00:00", timeZone: "Europe/Paris")
        let now = utc("2026-03-20T00:00:00Z")
        #expect(try schedule.roundTimes(rounds: 3, now: now, tolerance: 60) == Array(repeating: utc("2026-03-29T07:00:00Z"), count: 3))
        #expect(throws: DomainError.self) { try schedule.roundTimes(rounds: 1, now: utc("2026-03-29T08:00:00Z"), tolerance: 60) }
        #expect(try schedule.roundTimes(rounds: 1, now: utc("2026-03-29T07:00:30Z"), tolerance: 60).count == 1, "within the tolerance")
    }

    @Test func expandsWeeklySlotsAcrossTheDaylightSavingChange() throws {
        let schedule = CampaignSchedule.slots(
            [.init(weekday: "wed", time: "18:30"), .init(weekday: "mon", time: "09:00")], timeZone: "Europe/Paris", startDate: "2026-03-23")
        let times = try schedule.roundTimes(rounds: 4, now: utc("2026-03-01T00:00:00Z"), tolerance: 60)
        #expect(
            times == [
                utc("2026-03-23T08:00:00Z"), utc("2026-03-25T17:30:00Z"),  // CET
                utc("2026-03-30T07:00:00Z"), utc("2026-04-01T16:30:00Z"),  // CEST: the same wall times
            ])
        let later = try schedule.roundTimes(rounds: 2, now: utc("2026-03-25T12:00:00Z"), tolerance: 60)
        #expect(later == [utc("2026-03-25T17:30:00Z"), utc("2026-03-30T07:00:00Z")], "occurrences before now are skipped")
        let old = CampaignSchedule.slots([.init(weekday: "sun", time: "02:30")], timeZone: "Europe/Paris", startDate: "2000-01-01")
        #expect(try old.roundTimes(rounds: 1, now: utc("2026-03-26T00:00:00Z"), tolerance: 60) == [utc("2026-03-29T01:30:00Z")], "gap day")
        let gap = CampaignSchedule.slots(
            [.init(weekday: "sun", time: "02:30"), .init(weekday: "sun", time: "03:30")], timeZone: "Europe/Paris", startDate: "2026-03-29")
        let gapTimes = try gap.roundTimes(rounds: 2, now: utc("2026-03-01T00:00:00Z"), tolerance: 60)
        #expect(gapTimes == [utc("2026-03-29T01:30:00Z"), utc("2026-04-05T00:30:00Z")], "two slots on one instant count once")
    }

    @Test func listsEveryScheduleProblem() {
        let bad = CampaignSchedule.slots(
            [.init(weekday: "funday", time: "25:00"), .init(weekday: "mon", time: "9:00"), .init(weekday: "mon", time: "9:00")],
            timeZone: "Mars/Olympus", startDate: "2026-02-30")
        let fields = bad.problems.map(\.field)
        #expect(
            fields == [
                "schedule.timezone", "schedule.slots[0].weekday", "schedule.slots[0].time", "schedule.slots[1].time", "schedule.slots[2].time",
                "schedule.slots[2]", "schedule.start_date",
            ], "\(bad.problems)")
        #expect(CampaignSchedule.slots([], timeZone: "UTC", startDate: "2026-01-01").problems.map(\.field) == ["schedule.slots"])
        #expect(CampaignSchedule.at(localDateTime: "tomorrow", timeZone: "EST").problems.map(\.field) == ["schedule.timezone", "schedule.at"])
        #expect(CampaignSchedule.now.problems.isEmpty)
        #expect(CampaignSchedule.at(localDateTime: "2026-12-01T09:00", timeZone: "America/New_York").problems.isEmpty)
    }

    @Test func encodesTheAPIShapes() throws {
        let decoder = JSONDecoder()
        let at = try decoder.decode(CampaignSchedule.self, from: Data(#"{"type":"at","at":"2026-12-01T09:00:00","timezone":"Europe/Paris"}"#.utf8))
        #expect(at == .at(localDateTime: "2026-12-01T09:00:00", timeZone: "Europe/Paris"))
        let slots = try decoder.decode(
            CampaignSchedule.self,
            from: Data(#"{"type":"slots","slots":[{"weekday":"mon","time":"09:00"}],"timezone":"UTC","start_date":"2026-12-01"}"#.utf8))
        #expect(slots == .slots([.init(weekday: "mon", time: "09:00")], timeZone: "UTC", startDate: "2026-12-01"))
        for schedule in [CampaignSchedule.now, at, slots] {
            #expect(try decoder.decode(CampaignSchedule.self, from: JSONEncoder().encode(schedule)) == schedule)
        }
        #expect(throws: DecodingError.self) { try decoder.decode(CampaignSchedule.self, from: Data(#"{"type":"soon"}"#.utf8)) }
        let ids = try decoder.decode(AccountSelection.self, from: Data(#"{"account_ids":["00000000-0000-0000-0000-000000000001"]}"#.utf8))
        #expect(ids == .accountIDs([UUID(uuidString: "00000000-0000-0000-0000-000000000001")!]))
        #expect(try decoder.decode(AccountSelection.self, from: Data(#"{"labels":["fr"]}"#.utf8)) == .labels(["fr"]))
        #expect(throws: DecodingError.self) { try decoder.decode(AccountSelection.self, from: Data(#"{"labels":["a"],"account_ids":[]}"#.utf8)) }
        let settings = try decoder.decode(PostSettings.self, from: Data(#"{"privacy_level":"SELF_ONLY","is_aigc":true}"#.utf8))
        #expect(settings == PostSettings(privacyLevel: .selfOnly, isAIGC: true))
        let encoded = String(decoding: try JSONEncoder().encode(PostSettings(privacyLevel: .publicToEveryone, videoCoverTimestampMs: 5)), as: UTF8.self)
        for key in ["privacy_level", "disable_comment", "disable_duet", "disable_stitch", "brand_content_toggle", "brand_organic_toggle", "is_aigc",
            "video_cover_timestamp_ms"]
        {
            #expect(encoded.contains("\"\(key)\""), "\(key) in \(encoded)")
        }
    }
}

@Suite struct CampaignPlanTests {
    func check(_ plan: CampaignPlan, media: Int, accounts: Int) {
        #expect(plan.entries.count == media * accounts)
        for account in 0..<accounts {
            #expect(plan.entries.filter { $0.account == account }.map(\.media).sorted() == Array(0..<media), "each account posts each media once")
        }
        for round in 0..<media {
            #expect(Set(plan.entries.filter { $0.round == round }.map(\.account)).count == accounts, "one post per account per round")
        }
    }

    @Test func roundRobinRotatesMediaOverAccounts() {
        var generator = SeededGenerator(seed: 1)
        let plan = CampaignPlan.make(mediaCount: 3, recentPosts: [0, 0], strategy: .roundRobin, using: &generator)
        self.check(plan, media: 3, accounts: 2)
        #expect(plan.entries.map { [$0.round, $0.account, $0.media] } == [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 2], [2, 0, 2], [2, 1, 0]])
    }

    @Test func leastUsedPutsQuietAccountsFirst() {
        var generator = SeededGenerator(seed: 1)
        let plan = CampaignPlan.make(mediaCount: 2, recentPosts: [5, 0, 2, 0], strategy: .leastUsed, using: &generator)
        self.check(plan, media: 2, accounts: 4)
        #expect(plan.accountOrder == [1, 3, 2, 0])
        #expect(plan.entries.prefix(4).map(\.account) == [1, 3, 2, 0])
    }

    @Test func randomIsAPermutationPerAccountAndReproducibleBySeed() {
        var first = SeededGenerator(seed: 42)
        var second = SeededGenerator(seed: 42)
        var other = SeededGenerator(seed: 7)
        let a = CampaignPlan.make(mediaCount: 8, recentPosts: Array(repeating: 0, count: 6), strategy: .random, using: &first)
        let b = CampaignPlan.make(mediaCount: 8, recentPosts: Array(repeating: 0, count: 6), strategy: .random, using: &second)
        let c = CampaignPlan.make(mediaCount: 8, recentPosts: Array(repeating: 0, count: 6), strategy: .random, using: &other)
        self.check(a, media: 8, accounts: 6)
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct CampaignDraftTests {
    @Test func listsEveryProblemAtOnce() {
        let media = UUID()
        let draft = CampaignDraft(
            name: "  ", postSettings: PostSettings(privacyLevel: .selfOnly, brandContentToggle: true, videoCoverTimestampMs: -1),
            captionTemplate: "{oops", mediaIDs: [media, media], accountSelection: .labels(["", "ok"]),
            schedule: .at(localDateTime: "2026-12-01", timeZone: "Nowhere/City"))
        let fields = draft.problems.map(\.field)
        #expect(
            fields == [
                "name", "media_ids[1]", "caption_template", "post_settings.video_cover_timestamp_ms", "post_settings.brand_content_toggle",
                "account_selection.labels[0]", "schedule.timezone", "schedule.at",
            ], "\(draft.problems)")
        let empty = CampaignDraft(
            name: String(repeating: "n", count: 201), postSettings: PostSettings(privacyLevel: .publicToEveryone), mediaIDs: [],
            accountSelection: .accountIDs([]))
        #expect(empty.problems.map(\.field) == ["name", "media_ids", "account_selection.account_ids"])
        let tooMany = CampaignDraft(
            name: "n", postSettings: PostSettings(privacyLevel: .publicToEveryone), mediaIDs: (0...500).map { _ in UUID() },
            accountSelection: .accountIDs([media]))
        #expect(tooMany.problems.map(\.field) == ["media_ids"])
    }

    @Test func patchChangesOnlyGivenFields() {
        let draft = CampaignDraft(name: "a", postSettings: PostSettings(privacyLevel: .selfOnly), mediaIDs: [UUID()], accountSelection: .labels(["x"]))
        let patched = CampaignPatch(name: "b", strategy: .random).applied(to: draft)
        #expect(patched.name == "b" && patched.strategy == .random)
        #expect(patched.mediaIDs == draft.mediaIDs && patched.accountSelection == draft.accountSelection && patched.schedule == .now)
    }
}
