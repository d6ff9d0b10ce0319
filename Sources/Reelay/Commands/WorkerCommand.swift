import ArgumentParser

/// `reelay worker`: takes jobs from Redis and runs them until SIGTERM/SIGINT. It runs production jobs only: the
/// benchmark's jobs (whose payload names any Redis key to increment) have a worker of their own, `reelay bench worker`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Take jobs from Redis and run them: N slots, leases renewed while jobs run, graceful shutdown.",
        discussion: """
            Needs Redis only, no database connection: run any number on any host. On SIGTERM or SIGINT it stops taking
            jobs, lets running ones finish within the shutdown grace, and puts the rest back without using an attempt.
            """)

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await self.options.runWorker(command: "worker", benchmarkJobs: false)
    }
}
