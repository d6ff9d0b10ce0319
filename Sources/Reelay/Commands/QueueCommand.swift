import ArgumentParser

/// `reelay queue …`: the operator's view of the Redis queues.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and steer the Redis queues; each view also shows the redis-cli command that reads the same data.",
        subcommands: [Stats.self, List.self, Show.self, Retry.self, Pause.self, Resume.self, PurgeDead.self])

    static let plannedIn = "issue 3 (job queue)"

    struct Stats: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(
            commandName: "stats", abstract: "Backlog, in-flight, scheduled, dead and processed counts per queue, and the workers.")
    }
    struct List: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the jobs of a queue in one state.")
    }
    struct Show: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job: payload, state, attempts, owner, checkpoint, last error.")
    }
    struct Retry: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Put dead jobs back in their ready list.")
    }
    struct Pause: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop workers taking jobs from a queue; running jobs finish.")
    }
    struct Resume: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let workers take jobs from a paused queue again.")
    }
    struct PurgeDead: PlannedCommand {
        static let plannedIn = QueueCommand.plannedIn
        static let configuration = CommandConfiguration(commandName: "purge-dead", abstract: "Delete the dead jobs of a queue.")
    }
}
