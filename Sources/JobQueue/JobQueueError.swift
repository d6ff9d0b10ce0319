/// Why a job-queue operation failed. `description` is one generic line (code, queue, job name); the detail (which may
/// hold a Redis message or a reply row) is only in `debugDescription`.
public struct JobQueueError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Stable error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidQueueName, invalidJobID, invalidArgument, payloadTooLarge, encoding, decoding, notFound, leaseLost,
                broker, unknownJobName
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A queue name outside `[a-z0-9_-]{1,64}`.
        public static let invalidQueueName = Code(.invalidQueueName)
        /// A job id that is not a UUID.
        public static let invalidJobID = Code(.invalidJobID)
        /// An option out of range (attempts, delays, batch sizes, timeouts).
        public static let invalidArgument = Code(.invalidArgument)
        /// A payload over the configured size limit.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// A payload that could not be encoded to JSON.
        public static let encoding = Code(.encoding)
        /// A payload that could not be decoded as the handler's type.
        public static let decoding = Code(.decoding)
        /// No job with that id (or none in the asked state).
        public static let notFound = Code(.notFound)
        /// The lease was taken over (expired and recovered): this worker may no longer ack, fail or extend the job.
        public static let leaseLost = Code(.leaseLost)
        /// Redis failed or answered with an error.
        public static let broker = Code(.broker)
        /// A job whose name no handler is registered for.
        public static let unknownJobName = Code(.unknownJobName)
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Detail for operators: the queue, the id, the limit, the Redis error. Only in ``debugDescription``.
    public var detail: String?
    /// The queue concerned, if any: shown in ``description``.
    public var queue: String?
    /// The job name concerned, if any: shown in ``description``.
    public var jobName: String?

    /// An error with its code and optional detail (kept out of ``description``), queue and job name.
    public init(_ code: Code, detail: String? = nil, queue: String? = nil, jobName: String? = nil) {
        self.code = code
        self.detail = detail
        self.queue = queue
        self.jobName = jobName
    }

    /// One generic line: the code, and the queue and job name when known. Never the detail (Redis's messages, reply
    /// rows, payloads): log lines interpolate this.
    public var description: String {
        let context = [self.queue.map { "queue: \($0)" }, self.jobName.map { "job: \($0)" }].compactMap(\.self)
        return "JobQueueError(\(self.code))" + (context.isEmpty ? "" : " " + context.joined(separator: ", "))
    }

    /// The description followed by the detail, for operators debugging (debug-level logs, the CLI's failure line).
    public var debugDescription: String { self.detail.map { "\(self.description): \($0)" } ?? self.description }
}
