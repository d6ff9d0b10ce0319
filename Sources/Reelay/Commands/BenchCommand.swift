import ArgumentParser

/// `reelay bench …`: benchmarks that print JSON figures. Build with `-c release` before trusting a number.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks printing JSON figures (build with -c release).",
        subcommands: [BenchRedisCommand.self, BenchQueue.self])

    struct BenchQueue: PlannedCommand {
        static let plannedIn = "issue 3 (job queue)"
        static let configuration = CommandConfiguration(
            commandName: "queue", abstract: "Enqueue and process N jobs with P worker processes; print jobs/s, latency and RSS.")
    }
}
