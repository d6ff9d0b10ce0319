import ArgumentParser

/// `reelay bench …`: benchmarks that print JSON figures. Build with `-c release` before trusting a number.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks printing JSON figures (build with -c release).",
        subcommands: [
            BenchRedisCommand.self, BenchQueueCommand.self, BenchWorkerCommand.self, BenchAPICommand.self, BenchSchedulerCommand.self,
            BenchE2ECommand.self,
        ])
}
