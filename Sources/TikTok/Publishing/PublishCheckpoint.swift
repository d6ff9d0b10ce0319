/// What a publish job has done so far, saved in the job's checkpoint before and after every remote step, so that a
/// run after a crash resumes (same `publish_id`, next chunk, next poll) and never initialises a second post that could
/// go out. The upload URL is a bearer capability, so it is stored encrypted.
struct PublishCheckpoint: Codable, Sendable, Hashable {
    /// The account's daily cap was charged for this post (charged once, whatever the re-runs).
    var capReserved = false
    /// An init was sent and its outcome is unknown (crash or lost response before `publish_id` was saved).
    var initInFlight = false
    /// Inits sent so far (each needs its own rate-limit reservation id).
    var inits = 0
    /// The publish being driven.
    var publishID: String?
    /// Its upload URL, encrypted with the token cipher.
    var sealedUploadURL: String?
    /// When the upload URL was issued (ms since 1970); it dies an hour later.
    var uploadIssuedAtMs: Int64?
    /// The chunk size declared at init.
    var chunkSize: Int64?
    /// The next chunk to send.
    var nextChunk = 0
    /// Saved before the first chunk of this `publish_id` is sent: from then on TikTok may hold bytes (all of them, if
    /// a crash hid the last answer), so a re-run asks `status/fetch` before deciding anything. Optional, like
    /// ``uploadURLRefused``, so that checkpoints written before these fields existed still decode.
    var uploadStarted: Bool?
    /// The upload URL answered 403 or 404 after bytes were sent: nothing more can be sent to it.
    var uploadURLRefused: Bool?
    /// TikTok answered 201: every byte arrived. From here on the job only polls.
    var uploadComplete = false
    /// When polling began (ms since 1970), for the confirmation deadline.
    var pollingSinceMs: Int64?
    /// Status polls made.
    var polls = 0
    /// The last status TikTok reported.
    var lastStatus: String?
    /// Past the confirmation deadline without a final status: checked again later, never re-posted.
    var unconfirmed = false
    /// Publish ids given up on (failed, or holding no byte when their upload URL died); they cannot publish.
    var abandonedPublishIDs: [String] = []
    /// Public post ids, once TikTok reports them.
    var postIDs: [Int64] = []
    /// The final outcome: `published`, `sent_to_inbox` or `failed`.
    var outcome: String?
    /// TikTok's `fail_reason` for a failed publish.
    var failReason: String?
    /// When the job first found no usable access token (ms since 1970), to give up after a while.
    var waitingForTokenSinceMs: Int64?

    enum CodingKeys: String, CodingKey {
        case capReserved = "cap_reserved", initInFlight = "init_in_flight", inits, publishID = "publish_id"
        case sealedUploadURL = "upload_url_sealed", uploadIssuedAtMs = "upload_issued_at_ms", chunkSize = "chunk_size"
        case nextChunk = "next_chunk", uploadStarted = "upload_started", uploadURLRefused = "upload_url_refused"
        case uploadComplete = "upload_complete", pollingSinceMs = "polling_since_ms", polls
        case lastStatus = "last_status", unconfirmed, abandonedPublishIDs = "abandoned_publish_ids", postIDs = "post_ids"
        case outcome, failReason = "fail_reason", waitingForTokenSinceMs = "waiting_for_token_since_ms"
    }

    /// Bytes of this `publish_id` may have reached TikTok (checkpoints older than ``uploadStarted`` only show it
    /// through ``nextChunk``).
    var bytesMayHaveBeenSent: Bool { self.uploadStarted == true || self.nextChunk > 0 || self.uploadComplete }

    /// Forgets the current publish, so the next run initialises a new one. Only for a publish that cannot go out:
    /// TikTok reported it `FAILED`, or it provably holds no byte of it (see ``PublishRun/reconcile(token:)``).
    mutating func abandonPublish() {
        if let publishID { self.abandonedPublishIDs.append(publishID) }
        self.publishID = nil
        self.sealedUploadURL = nil
        self.uploadIssuedAtMs = nil
        self.chunkSize = nil
        self.nextChunk = 0
        self.uploadStarted = nil
        self.uploadURLRefused = nil
        self.uploadComplete = false
        self.pollingSinceMs = nil
        self.polls = 0
        self.lastStatus = nil
        self.initInFlight = false
    }
}
