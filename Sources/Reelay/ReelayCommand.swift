import ArgumentParser

/// The one executable: every Reelay process is `reelay <subcommand>`.
@main
struct ReelayCommand: AsyncParsableCommand {
    /// The version `--version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "reelay",
        abstract: "Publish short videos to TikTok accounts on schedule, through TikTok's official Content Posting API.",
        discussion: """
            Settings come from flags, then REELAY_* environment variables, then a --config file, then defaults;
            config/reelay.example.env lists them all.
            """,
        version: Self.version,
        subcommands: [
            MigrateCommand.self, StatusCommand.self, APICommand.self, WorkerCommand.self, SchedulerCommand.self,
            SandboxCommand.self, DevCommand.self, DemoCommand.self, QueueCommand.self, BenchCommand.self, APIKeyCommand.self,
        ])

    /// Entry point: resets the signal mask (see ``SignalMask``), then parses and runs the subcommand.
    static func main() async {
        SignalMask.unblockAll()
        await Self.main(nil)
    }
}
