import ArgumentParser

@main
struct ReelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reelay", abstract: "Publish videos to TikTok on schedule.", subcommands: [TemporaryBenchCommand.self])
    func run() async throws {}
}

/// Temporary `reelay bench` group until the real CLI lands; it only holds `redis` (`BenchRedisCommand`).
struct TemporaryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks printing JSON figures.", subcommands: [BenchRedisCommand.self])
}
