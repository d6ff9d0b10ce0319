/// How a worker process takes and runs jobs.
public struct WorkerConfiguration: Sendable {
    /// A queue to listen to, with its weight (weighted mode) or its rank (strict mode: listed order).
    public struct QueueWeight: Sendable, Hashable {
        /// The queue's name.
        public var name: String
        /// Relative share of claims in weighted mode (≥ 1).
        public var weight: Int
        /// A queue and its weight.
        public init(_ name: String, weight: Int = 1) {
            self.name = name
            self.weight = weight
        }
    }

    /// Queues to take jobs from.
    public var queues: [QueueWeight] = [QueueWeight("publish")]
    /// `true`: always prefer the first queue with work, in listed order; `false`: pick by weight.
    public var strictPriority = false
    /// Jobs run at the same time by this process (one pickup loop feeds them, holding one blocking Redis connection).
    public var concurrency = 8
    /// Whether the pickup loop, the completion writer and the slots run on the broker's preferred executor (the Redis
    /// client's event loop: no thread hop per command; the handlers must not block that thread). Default `true`.
    public var runsOnBrokerExecutor = true
    /// Jobs taken ahead of free slots and kept, leased and renewed, until a slot frees (0: none). It hides the pickup's
    /// round trip when jobs are short, at the price of up to this many jobs waiting here that another worker could run
    /// (and that still start after their queue is paused); on shutdown they go back unstarted, attempts unchanged.
    public var prefetch = 0
    /// While completions keep coming, the completion writer waits this long after its last write before the next one,
    /// so one script call records more jobs (its fixed cost in Redis is shared by more of them); a completion after a
    /// quiet spell is written at once. It delays only the Redis record of a finished job, whose lease stays renewed
    /// meanwhile, not its slot. 0: write as soon as the previous write returns. Less than ``heartbeatInterval``.
    public var completionLinger: Duration = .milliseconds(2)
    /// A job whose lease is not renewed within this time goes back to the queue.
    public var leaseDuration: Duration = .seconds(30)
    /// How often leases are renewed (default a third of the lease).
    public var heartbeatInterval: Duration = .seconds(10)
    /// Longest wait of one blocking pickup (≤ 2 s, so pause and shutdown are noticed quickly).
    public var claimWait: Duration = .seconds(1)
    /// A run's timeout when the job sets none.
    public var defaultTimeout: Duration = .seconds(300)
    /// On SIGTERM/SIGINT: how long running jobs may take to finish before they are cancelled and put back.
    public var shutdownGrace: Duration = .seconds(25)
    /// This worker's id in leases and in the worker registry (`host:pid:random` by default).
    public var workerID: String

    /// Defaults: queue `publish`, 8 slots, no prefetch, 2 ms completion linger, 30 s leases renewed every 10 s, 1 s pickup
    /// wait, 5 min job timeout, 25 s shutdown grace.
    public init(workerID: String) {
        self.workerID = workerID
    }
}
