public import Foundation

/// One line of `reelay queue ls`: a job found in a queue's list or set, with the main fields of its hash.
public struct JobSummary: Sendable, Hashable, Codable {
    /// The job's id.
    public var id: JobID
    /// The list or set it was found in.
    public var listedIn: JobState
    /// The state its hash records (normally equal to ``listedIn``; `nil` when the hash is missing or has none).
    public var state: String?
    /// Its wire name; `nil` when the hash is missing.
    public var name: String?
    /// Runs started so far.
    public var attempt: Int?
    /// Attempts allowed.
    public var maxAttempts: Int?
    /// First enqueue time.
    public var enqueuedAt: Date?
    /// The score it is listed with: run-at in `scheduled`, died-at in `dead`, the lease deadline in `active`; `nil` in
    /// `ready`.
    public var scoredAt: Date?
    /// The last failure's message, if any.
    public var lastError: String?

    /// A summary as read.
    public init(
        id: JobID, listedIn: JobState, state: String?, name: String?, attempt: Int?, maxAttempts: Int?, enqueuedAt: Date?, scoredAt: Date?,
        lastError: String?
    ) {
        self.id = id
        self.listedIn = listedIn
        self.state = state
        self.name = name
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.enqueuedAt = enqueuedAt
        self.scoredAt = scoredAt
        self.lastError = lastError
    }
}

/// Everything Redis holds about one job: `reelay queue show ID`. The lease token is left out.
public struct JobDetail: Sendable, Hashable, Codable {
    /// The job's id.
    public var id: JobID
    /// Its queue.
    public var queue: String
    /// The state its hash records.
    public var state: String?
    /// Its wire name.
    public var name: String?
    /// Its JSON payload.
    public var payload: String?
    /// Runs started so far.
    public var attempt: Int?
    /// Attempts allowed.
    public var maxAttempts: Int?
    /// Times its lease expired while running.
    public var stalls: Int?
    /// The worker holding its lease, if active.
    public var owner: String?
    /// The last progress checkpoint (JSON).
    public var checkpoint: String?
    /// The last failure's message.
    public var lastError: String?
    /// The unique key it holds, if any.
    public var uniqueKey: String?
    /// First enqueue time.
    public var enqueuedAt: Date?
    /// When it is (or was) due.
    public var runAt: Date?
    /// When the current lease was taken.
    public var leasedAt: Date?
    /// When it completed or died.
    public var finishedAt: Date?
    /// Where the id actually is: the lists and sets holding it (`ready`, `active`, `scheduled`, `dead`, and `lease`).
    public var foundIn: [String]
    /// Its lease deadline (lease set).
    public var leaseUntil: Date?
    /// Its run-at in the scheduled set.
    public var scheduledFor: Date?
    /// Its died-at in the dead set.
    public var diedAt: Date?
    /// Every field of the hash as stored, except the lease token.
    public var fields: [String: String]

    /// The detail of `id` from its hash `fields` (an `HGETALL` reply) and where the id was found.
    public init(id: JobID, queue: String, fields: [String: String], foundIn: [String], leaseUntil: Date?, scheduledFor: Date?, diedAt: Date?) {
        var fields = fields
        fields[JobHashField.token] = nil
        let date = { (name: String) in Milliseconds.parse(fields[name]).map { Date(epochMilliseconds: $0) } }
        self.id = id
        self.queue = queue
        self.state = fields[JobHashField.state]
        self.name = fields[JobHashField.name]
        self.payload = fields[JobHashField.payload]
        self.attempt = fields[JobHashField.attempt].flatMap { Int($0) }
        self.maxAttempts = fields[JobHashField.maxAttempts].flatMap { Int($0) }
        self.stalls = fields[JobHashField.stalls].flatMap { Int($0) }
        self.owner = fields[JobHashField.owner]
        self.checkpoint = fields[JobHashField.checkpoint]
        self.lastError = fields[JobHashField.lastError]
        self.uniqueKey = fields[JobHashField.uniqueKey]
        self.enqueuedAt = date(JobHashField.enqueuedAt)
        self.runAt = date(JobHashField.runAt)
        self.leasedAt = date(JobHashField.leasedAt)
        self.finishedAt = date(JobHashField.finishedAt)
        self.foundIn = foundIn
        self.leaseUntil = leaseUntil
        self.scheduledFor = scheduledFor
        self.diedAt = diedAt
        self.fields = fields
    }
}
