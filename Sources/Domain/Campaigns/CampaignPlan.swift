/// How a campaign's media and accounts become posts — the rules ``CampaignStarter`` follows:
///
/// - **Every media goes to every selected account** (one video to several accounts): N media × M usable accounts make
///   N × M posts, and each account posts each of its media exactly once.
/// - The posts come in **rounds**: in each round every account posts one video, so there are N rounds. Round *k* runs at
///   the schedule's *k*-th time: all at once for `now` and `at`, the *k*-th weekly slot occurrence for `slots` (so one
///   post per account per slot).
/// - The **strategy** decides the order of the accounts and which video each account posts in which round:
///   - `round_robin`: accounts in selection order (the given ids; for labels, oldest account first); account number *i*
///     posts media *(k + i) mod N* in round *k*, so accounts post different videos in the same round.
///   - `least_used`: the same rotation, with the accounts that have the fewest posts run in the 24 hours before the
///     start first (ties keep selection order).
///   - `random`: accounts in a random order, each posting its media in its own random order.
/// - Within a round, posts follow the account order; `{index}` is the post's 1-based position in this plan.
struct CampaignPlan: Sendable, Hashable {
    /// One post of the plan.
    struct Entry: Sendable, Hashable {
        /// 0-based round (time slot).
        var round: Int
        /// Index into the accounts given to the planner.
        var account: Int
        /// Index into the media given to the planner (their campaign position).
        var media: Int
    }

    /// The posts, in plan order.
    var entries: [Entry]
    /// The order the accounts were taken in (indexes into the accounts given).
    var accountOrder: [Int]

    /// The plan for `mediaCount` media and accounts whose recent post counts are `recentPosts` (selection order).
    static func make(
        mediaCount: Int, recentPosts: [Int], strategy: Campaign.Strategy, using generator: inout some RandomNumberGenerator
    ) -> CampaignPlan {
        let accountCount = recentPosts.count
        var order = Array(0..<accountCount)
        var mediaOrder: (_ position: Int, _ round: Int) -> Int = { position, round in (round + position) % mediaCount }
        switch strategy {
        case .roundRobin:
            break
        case .leastUsed:
            order.sort { (recentPosts[$0], $0) < (recentPosts[$1], $1) }
        case .random:
            order.shuffle(using: &generator)
            var permutations: [[Int]] = []
            permutations.reserveCapacity(accountCount)
            for _ in 0..<accountCount { permutations.append(Array(0..<mediaCount).shuffled(using: &generator)) }
            mediaOrder = { position, round in permutations[position][round] }
        }
        var entries: [Entry] = []
        entries.reserveCapacity(mediaCount * accountCount)
        for round in 0..<mediaCount {
            for (position, account) in order.enumerated() {
                entries.append(Entry(round: round, account: account, media: mediaOrder(position, round)))
            }
        }
        return CampaignPlan(entries: entries, accountOrder: order)
    }
}

/// A small seedable generator (SplitMix64) so a `random` plan can be reproduced in tests.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
