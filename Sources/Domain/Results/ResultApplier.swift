public import Logging
public import Postgres
import Foundation

/// Applies worker result events to the records: `post_events` (history), `posts` (status, attempts, errors, publish
/// ids), `campaigns` (completed once every post is terminal) and `accounts` (a failure that shows the token is refused
/// or TikTok is throttling the creator). See ``PostTransition`` for the rule that orders a post's events.
///
/// A batch is one transaction. Each event is recorded once: its `post_events` row carries
/// `stream_id = <queue>:<stream entry id>` (unique), inserted with `ON CONFLICT DO NOTHING`, and the post changes only
/// when that insert happened, so an event delivered twice is applied once. Events of a job that has no post row (bench
/// jobs, other payloads) are counted and skipped.
///
/// If the database refuses one event for what it holds (a check or unique violation: SQLSTATE classes 22 and 23), the
/// batch is run again with a savepoint around each event and only that event is dropped (counted in
/// ``ResultApplication/rejected``), so one bad entry never blocks its stream. Any other error (the server is down, a
/// deadlock) is thrown and nothing of the batch is kept: the caller retries it.
public struct ResultApplier: Sendable {
    /// Tunables of the applier.
    public struct Configuration: Sendable {
        /// How long an account stays in `cooldown` after TikTok throttled it (`spam_risk_too_many_posts` …), counted
        /// from the event. Default 6 h, the wait the worker itself observes.
        public var cooldown: Duration = .seconds(6 * 3600)
        /// Longest error message kept on a post or event, in characters (default 2,000).
        public var maximumErrorLength = 2000

        /// The defaults.
        public init() {}
    }

    let client: PostgresClient
    let configuration: Configuration
    let logger: Logger

    /// An applier writing through `client`.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "reelay.recorder")) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Applies `events` in one transaction (events are taken in stream order within each queue).
    /// - Returns: What happened to them.
    /// - Throws: ``Postgres/PostgresError`` when the batch could not be committed; nothing of it is kept then.
    @discardableResult
    public func apply(_ events: [ResultEvent]) async throws -> ResultApplication {
        guard !events.isEmpty else { return ResultApplication() }
        let ordered = events.enumerated().sorted { lhs, rhs in
            lhs.element.streamID == rhs.element.streamID ? lhs.offset < rhs.offset : lhs.element.streamID < rhs.element.streamID
        }.map(\.element)
        do {
            return try await self.client.withTransaction { connection in
                var batch = BatchRun(applier: self, connection: connection, isolated: false)
                return try await batch.run(ordered)
            }
        } catch let error as PostgresError where Self.isDataError(error) {
            self.logger.warning(
                "the database refused an event of the batch; applying it event by event",
                metadata: ["error": "\(error)", "events": "\(events.count)"])
            return try await self.client.withTransaction { connection in
                var batch = BatchRun(applier: self, connection: connection, isolated: true)
                return try await batch.run(ordered)
            }
        }
    }

    /// An error caused by the data (SQLSTATE class 22 data exception, 23 integrity violation): the same statement
    /// would fail again, unlike a lost connection or a deadlock.
    static func isDataError(_ error: PostgresError) -> Bool {
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }
}

/// What one ``ResultApplier/apply(_:)`` call did.
public struct ResultApplication: Sendable, Hashable {
    /// Events new to the history (a `post_events` row was written), whether or not they changed their post.
    public var recorded = 0
    /// Events that changed their post.
    public var applied = 0
    /// Events recorded before (same queue and stream entry): nothing done.
    public var duplicates = 0
    /// Events whose job has no post row (bench jobs, other payloads): skipped.
    public var unknownPosts = 0
    /// `progress` events that changed nothing and are not kept (see ``PostTransition``).
    public var coalesced = 0
    /// Events the database refused for what they hold: dropped (logged).
    public var rejected = 0
    /// Campaigns that became `completed`.
    public var campaignsCompleted = 0
    /// Accounts whose status changed (`needs_reauth`, `cooldown`, `restricted`).
    public var accountsChanged = 0

    /// Nothing yet.
    public init() {}
}
