import Tracing
import Foundation
public import JobQueue
import Logging
public import Redis

/// Publishes one video (architecture.md, "Publishing a post") as a job handler. Every remote step is bracketed by a
/// checkpoint, so a re-run after a crash anywhere resumes: it never sends a second init once a `publish_id` exists,
/// asks `status/fetch` what TikTok holds before touching an upload an earlier run started, resumes it at the next
/// chunk TikTok needs (resynchronising on 416), and after the last byte only polls. A publish that may hold bytes is
/// replaced only when TikTok reports it failed or holding none. Budgets are
/// reserved before each call; a refusal from TikTok becomes a snooze (no attempt used), an account hold, a retry or a
/// permanent failure by its classification. Waiting for processing is done by snoozing, so no slot is held meanwhile.
public struct PublishPipeline: Sendable {
    let client: TikTokClient
    let tokens: TokenCache
    let holds: AccountHolds
    let limiter: RateLimiter
    let dailyCap: DailyCap
    let configuration: PublishConfiguration
    /// Where files missing under the media root come from (their signed `media_url`); nil: only local files.
    let remoteMedia: RemoteMediaCache?

    /// A pipeline calling TikTok through `client`, with tokens from `tokens` and budgets in `redis`.
    /// With `remoteMedia`, a job whose file is missing under the media root is published from a checked copy of its
    /// `media_url` (workers on hosts without the API's media volume).
    public init(
        client: TikTokClient, tokens: TokenCache, redis: RedisClient, configuration: PublishConfiguration, remoteMedia: RemoteMediaCache? = nil
    ) {
        self.client = client
        self.tokens = tokens
        self.holds = AccountHolds(redis: redis)
        self.limiter = RateLimiter(client: redis)
        self.dailyCap = DailyCap(client: redis)
        self.configuration = configuration
        self.remoteMedia = remoteMedia
    }

    /// Registers the ``PublishVideo`` handler in `registry`.
    public func register(in registry: inout JobRegistry) {
        registry.register(PublishVideo.self, retry: RetryPolicy(base: .seconds(5), cap: .seconds(300))) { job, context in
            try await self.run(job, context: context)
        }
    }

    /// Runs one publish job (one step of it when it waits: it snoozes and runs again), in a `publish` span whose parent
    /// is the API request that created the post (the job's `traceParent`), so every TikTok call of the run is a child
    /// of it in the same trace.
    public func run(_ job: PublishVideo, context: JobContext) async throws {
        try await withSpan("publish", context: TraceCarrier.context(traceParent: job.traceParent), ofKind: .consumer) { span in
            span.attributes["reelay.post.id"] = context.job.id.description
            span.attributes["reelay.account.id"] = job.accountID
            span.attributes["reelay.job.attempt"] = context.job.attempt
            var run = PublishRun(pipeline: self, job: job, context: context)
            try await run.start()
        }
    }
}
