import ArgumentParser

/// `reelay queue …`: the operator's view of the Redis queues.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and steer the Redis queues; each view also shows the redis-cli command that reads the same data.",
        discussion: "Every subcommand takes --queue NAME (default publish) and --json. Bad input exits 2, a Redis failure exits 1.",
        subcommands: [
            QueueStatsCommand.self, QueueListCommand.self, QueueShowCommand.self, QueueRetryCommand.self, QueuePauseCommand.self,
            QueueResumeCommand.self, QueuePurgeDeadCommand.self,
        ])
}
