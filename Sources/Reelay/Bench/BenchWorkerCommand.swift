import ArgumentParser

/// `reelay bench worker`: a worker process that also runs the benchmark's jobs (`reelay.bench.*`, which increment the
/// Redis key their payload names). `reelay bench queue` and the crash tests start these; production runs
/// `reelay worker`, which has no handler for them.
struct BenchWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "A worker that also runs the benchmark's jobs (for `bench queue`, scripts/bench-peers.sh and tests only).",
        discussion: """
            Takes the same options as `reelay worker`. Never run it against production queues: a benchmark job's payload
            names any Redis key to increment.
            """)

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await self.options.runWorker(command: "bench worker", benchmarkJobs: true)
    }
}
