/// One PULL_FROM_URL download to run.
struct PullJob: Sendable {
    var publishID: String
    var url: String
}

/// Hands downloads from init requests to the server's run loop, which runs each in its own child task.
struct PullQueue: Sendable {
    let jobs: AsyncStream<PullJob>
    private let continuation: AsyncStream<PullJob>.Continuation

    init() {
        (self.jobs, self.continuation) = AsyncStream.makeStream(of: PullJob.self)
    }

    /// Queues `job`; after ``finish()`` it is dropped (the server is stopping).
    func submit(_ job: PullJob) { self.continuation.yield(job) }

    /// Ends the stream: the run loop stops taking jobs.
    func finish() { self.continuation.finish() }
}
