public import Foundation
public import Postgres

/// Starts campaigns: in one transaction, turns a draft campaign into its post rows — the outbox — and marks it started.
///
/// The caller (the API) then enqueues the `queued` posts in one bulk call; `scheduled` ones are loaded by the scheduler
/// when they come near.
///
/// How media, accounts and times are paired:
/// - **Every media goes to every usable selected account**: N media × M accounts make N × M posts; each account posts
///   each media exactly once.
/// - Posts come in N **rounds**, one post per account per round. Round *k* runs at the schedule's *k*-th time: all at the
///   start for `now`, all at the instant for `at`, the *k*-th weekly slot occurrence for `slots` (one post per account
///   per slot).
/// - The **strategy** orders the accounts and chooses which media each posts in which round: `round_robin` keeps the
///   selection order (ids as given; labels: oldest account first) and account *i* posts media *(k + i) mod N* in round
///   *k*, so accounts post different videos at the same time; `least_used` is the same with the accounts that had the
///   fewest posts run in the 24 hours before the start first; `random` shuffles the accounts and each account's media.
/// - `{index}` is the post's 1-based position in that order (round by round, accounts in order); `{date}`/`{time}` are
///   the run time in the schedule's zone, or in the account's zone for `now`.
/// - **Budgets** (``CampaignBudget``): no account may go over its daily cap (`accounts.daily_cap`, per local day in its
///   zone, counting its existing posts) nor, for inbox campaigns, over 5 inbox posts in 24 hours. `over_budget =
///   reject` refuses such a start, naming the accounts and days; `spread` moves each post that does not fit to the next
///   day(s) at the same wall time, in plan order. The selected account rows are locked (`FOR NO KEY UPDATE`, in id
///   order), so two starts over one account run one after the other and the second counts the first one's posts.
public struct CampaignStarter: Sendable {
    /// Settings of the starter.
    public struct Configuration: Sendable, Hashable {
        /// Attempts each post is allowed (`posts.max_attempts`, 1…100).
        public var maxAttempts = 5
        /// The job queue the posts run on.
        public var queue = "publish"
        /// Seeds the `random` strategy, so a plan can be reproduced; `nil` = system randomness.
        public var randomSeed: UInt64?

        /// The defaults.
        public init() {}
    }

    /// A post due within this many seconds of the start is `queued` (enqueue now); a later one is `scheduled`. An `at`
    /// time up to this far in the past still starts (its posts are due at once).
    public static let queueHorizon: TimeInterval = 60

    let client: PostgresClient
    let configuration: Configuration

    /// A starter over `client`.
    public init(client: PostgresClient, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    /// Starts the draft campaign `id` at `now`.
    ///
    /// In one transaction: locks the campaign row, refuses anything but a draft, resolves and locks the accounts
    /// (skipping disabled, needs-reauth and restricted ones, and ids that no longer exist), plans the posts
    /// (``CampaignPlan``), computes each run time, keeps the plan inside the accounts' budgets (``CampaignBudget``:
    /// daily caps and TikTok's inbox limit; refused or spread to later days as the campaign's `over_budget` says),
    /// renders each caption, inserts every post row with a `post.created` event, and sets the campaign `running` (first
    /// post due within a minute) or `scheduled`. Each post's idempotency key is `campaign:<id>:<media position>:<account
    /// id>`, so no post can be inserted twice.
    /// - Returns: The started campaign and its posts, in plan order, with what their jobs need.
    /// - Throws: ``DomainError`` `notFound`; `invalidState` (not a draft: a second start); `invalidInput` (no usable
    ///   account, no account with the labels, an `at` time in the past, a caption over 2,200 characters, deleted media,
    ///   an account over budget — field `budget`);
    ///   `conflict`; `database`.
    public func start(_ id: UUID, now: Date = Date(), actor: String? = nil) async throws(DomainError) -> CampaignStartResult {
        try await self.client.domainTransaction { connection in
            let campaign = try await connection.lockedCampaign(id)
            guard campaign.status == .draft else {
                throw DomainError(.invalidState, "campaign \(id) is \(campaign.status.rawValue); only a draft can be started")
            }
            let template = try CaptionTemplate(parsing: campaign.captionTemplate)
            let (accounts, skipped) = try await Self.accounts(for: campaign.accountSelection, on: connection)
            let media = try await Self.media(of: id, on: connection)
            let recent = campaign.strategy == .leastUsed ? try await Self.recentPosts(of: accounts, now: now, on: connection) : accounts.map { _ in 0 }
            let times = try campaign.schedule.roundTimes(rounds: media.count, now: now, tolerance: Self.queueHorizon)
            let plan = self.plan(campaign, mediaCount: media.count, recentPosts: recent)
            let budget = try await CampaignBudget.load(
                accounts: accounts, earliest: times.min() ?? now, inbox: campaign.mode == .inbox,
                scheduleZone: campaign.schedule.timeZone.flatMap(CampaignSchedule.zone), on: connection)
            let runTimes = try budget.apply(
                times: plan.entries.map { times[$0.round] }, accountIndexes: plan.entries.map(\.account), policy: campaign.overBudget)
            let posts = try self.posts(of: plan, campaign, template: template, accounts: accounts, media: media, runTimes: runTimes, now: now)
            let positions = Dictionary(uniqueKeysWithValues: media.map { ($0.id, $0.position) })
            try await self.insert(posts, mediaPositions: positions, campaign: campaign, actor: actor, on: connection)
            let first = posts.map(\.runAt).min() ?? now
            let status: Campaign.Status = first <= now.addingTimeInterval(Self.queueHorizon) ? .running : .scheduled
            try await connection.execute("UPDATE campaigns SET status = \(status.rawValue), updated_at = now() WHERE id = \(id)")
            return CampaignStartResult(campaign: try await connection.lockedCampaign(id), posts: posts, skippedAccounts: skipped)
        }
    }

    /// The plan of `campaign` (``CampaignPlan``) for `mediaCount` media and accounts with `recentPosts`.
    func plan(_ campaign: Campaign, mediaCount: Int, recentPosts: [Int]) -> CampaignPlan {
        var generator: any RandomNumberGenerator =
            self.configuration.randomSeed.map { SeededGenerator(seed: $0) as any RandomNumberGenerator } ?? SystemRandomNumberGenerator()
        return CampaignPlan.make(mediaCount: mediaCount, recentPosts: recentPosts, strategy: campaign.strategy, using: &generator)
    }

    /// The posts of `plan`, in plan order, at `runTimes` (one per plan entry), with rendered captions.
    /// - Throws: ``DomainError`` `invalidInput` when captions come out too long (the first ten are listed).
    func posts(
        of plan: CampaignPlan, _ campaign: Campaign, template: CaptionTemplate, accounts: [StartAccount], media: [StartMedia], runTimes: [Date],
        now: Date
    ) throws(DomainError) -> [PlannedPost] {
        let scheduleZone = campaign.schedule.timeZone.flatMap(CampaignSchedule.zone)
        var zones: [String: TimeZone] = [:]
        var stamps: [StampKey: (date: String, time: String)] = [:]
        var posts: [PlannedPost] = []
        posts.reserveCapacity(plan.entries.count)
        var problems: [FieldProblem] = []
        let idText = campaign.id.uuidString.lowercased()
        for (offset, entry) in plan.entries.enumerated() {
            let account = accounts[entry.account]
            let item = media[entry.media]
            let runAt = runTimes[offset]
            let zone: TimeZone
            if let scheduleZone {
                zone = scheduleZone
            } else if let cached = zones[account.timeZone] {
                zone = cached
            } else {
                zone = CampaignSchedule.zone(account.timeZone) ?? TimeZone(identifier: "UTC")!
                zones[account.timeZone] = zone
            }
            let key = StampKey(zone: zone.identifier, instant: runAt)
            let stamp: (date: String, time: String)
            if let cached = stamps[key] {
                stamp = cached
            } else {
                let local = LocalDateTime(instant: runAt, zone: zone)
                stamp = (local.date.text, "\(LocalTimeParsing.pad(local.time.hour, 2)):\(LocalTimeParsing.pad(local.time.minute, 2))")
                stamps[key] = stamp
            }
            let caption = template.render(
                CaptionTemplate.Values(
                    accountNickname: account.nickname, accountUsername: account.username ?? "", index: offset + 1, date: stamp.date,
                    time: stamp.time, campaignName: campaign.name, mediaFilename: item.filename))
            if caption.utf16.count > CaptionTemplate.maximumLength, problems.count < 10 {
                problems.append(
                    FieldProblem(
                        field: "caption_template",
                        problem: "the caption of post \(offset + 1) (account \(account.id.uuidString.lowercased())) renders to "
                            + "\(caption.utf16.count) characters, over \(CaptionTemplate.maximumLength)"))
            }
            var planned = PlannedPost(
                    id: UUID(), index: offset + 1, accountID: account.id, mediaID: item.id, mediaPath: item.path, sizeBytes: item.sizeBytes,
                    contentType: item.contentType, durationSeconds: item.durationSeconds, mode: campaign.mode, postSettings: campaign.postSettings,
                    caption: caption, runAt: runAt, status: runAt > now.addingTimeInterval(Self.queueHorizon) ? .scheduled : .queued,
                    maxAttempts: self.configuration.maxAttempts, queue: self.configuration.queue, dailyCap: account.dailyCap,
                    timeZone: account.timeZone, idempotencyKey: "campaign:\(idText):\(item.position):\(account.id.uuidString.lowercased())")
            planned.traceParent = PostTrace.parent
            posts.append(planned)
        }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems, message: "captions would be too long for TikTok") }
        return posts
    }

    private struct StampKey: Hashable {
        var zone: String
        var instant: Date
    }

    /// Inserts the posts and their `post.created` events in one statement. To keep the parameters small, accounts, media
    /// and run times travel once each and posts refer to them by index; the idempotency key is built server-side the
    /// same way as ``PlannedPost/idempotencyKey``.
    func insert(_ posts: [PlannedPost], mediaPositions: [UUID: Int], campaign: Campaign, actor: String?, on connection: PostgresConnection) async throws {
        var accountIndex: [UUID: Int] = [:], mediaIndex: [UUID: Int] = [:], timeIndex: [Date: Int] = [:]
        var accounts: [String] = [], media: [String] = [], positions: [String] = [], times: [String] = [], statuses: [String] = []
        var ids: [String] = [], accountRefs: [String] = [], mediaRefs: [String] = [], timeRefs: [String] = [], captions: [String] = []
        ids.reserveCapacity(posts.count)
        accountRefs.reserveCapacity(posts.count)
        mediaRefs.reserveCapacity(posts.count)
        timeRefs.reserveCapacity(posts.count)
        captions.reserveCapacity(posts.count)
        func index<Key: Hashable>(_ key: Key, in table: inout [Key: Int], append: () -> Void) -> String {
            if let known = table[key] { return String(known) }
            append()
            table[key] = table.count + 1
            return String(table.count)
        }
        for post in posts {
            ids.append(post.id.uuidString.lowercased())
            accountRefs.append(index(post.accountID, in: &accountIndex) { accounts.append(post.accountID.uuidString.lowercased()) })
            mediaRefs.append(
                index(post.mediaID, in: &mediaIndex) {
                    media.append(post.mediaID.uuidString.lowercased())
                    positions.append(String(mediaPositions[post.mediaID] ?? 0))
                })
            timeRefs.append(
                index(post.runAt, in: &timeIndex) {
                    times.append(post.runAt.postgresText() ?? "")
                    statuses.append(post.status.rawValue)
                })
            captions.append(post.caption)
        }
        try await connection.execute(
            """
            WITH input AS (
                SELECT p.id::uuid AS id, (\(accounts)::uuid[])[p.a::int] AS account_id, (\(media)::uuid[])[p.m::int] AS media_id,
                       (\(positions)::int[])[p.m::int] AS position, (\(times)::timestamptz[])[p.t::int] AS run_at,
                       (\(statuses)::text[])[p.t::int] AS status, p.caption
                FROM unnest(\(ids)::text[], \(accountRefs)::text[], \(mediaRefs)::text[], \(timeRefs)::text[], \(captions)::text[])
                     AS p(id, a, m, t, caption)
            ), inserted AS (
                INSERT INTO posts (id, campaign_id, account_id, media_id, queue, status, run_at, caption, post_settings, mode, max_attempts,
                                   idempotency_key, trace_parent)
                SELECT i.id, \(campaign.id), i.account_id, i.media_id, \(self.configuration.queue), i.status, i.run_at, i.caption,
                       \(json: campaign.postSettings), \(campaign.mode.rawValue), \(self.configuration.maxAttempts),
                       'campaign:' || \(campaign.id)::text || ':' || i.position || ':' || i.account_id::text, \(PostTrace.parent)::text
                FROM input i
                RETURNING id, status
            )
            INSERT INTO post_events (post_id, event, to_status, detail, actor)
            SELECT id, \(PostEvent.Name.created), status, jsonb_build_object('campaign_id', \(campaign.id)::text), \(actor) FROM inserted
            """)
    }
}
