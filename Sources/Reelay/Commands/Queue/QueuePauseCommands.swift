import ArgumentParser
import Foundation
import JobQueue

/// What `reelay queue pause|resume --json` prints.
struct PausedState: Encodable {
    var queue: String
    var paused: Bool
}

/// Sets or clears a queue's paused flag and reports it.
private func setPaused(_ paused: Bool, command: String, global: GlobalOptions, options: QueueOptions) async throws {
    let keys = try options.keys(command: command)
    let json = options.json
    try await QueueRun.run(command, global: global) { inspector, cli in
        try await inspector.setPaused(queue: keys.queue, paused: paused)
        if json { return try QueueRun.printJSON(PausedState(queue: keys.queue, paused: paused)) }
        print(paused ? "queue \(keys.queue) paused: workers take no new jobs; running jobs finish" : "queue \(keys.queue) resumed")
        print("")
        print(cli.line("EXISTS", keys.paused))
    }
}

/// `reelay queue pause`.
struct QueuePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop workers taking jobs from a queue; running jobs finish.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    func run() async throws { try await setPaused(true, command: "pause", global: self.global, options: self.options) }
}

/// `reelay queue resume`.
struct QueueResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let workers take jobs from a paused queue again.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    func run() async throws { try await setPaused(false, command: "resume", global: self.global, options: self.options) }
}

/// `reelay queue purge-dead --yes`.
struct QueuePurgeDeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge-dead", abstract: "Delete the dead jobs of a queue (their hashes and dead-set entries); needs --yes.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    @Flag(name: .customLong("yes"), help: "Really delete them.")
    var yes = false

    /// What `--json` prints.
    struct Outcome: Encodable {
        var queue: String
        var purged: Int
    }

    func run() async throws {
        let keys = try self.options.keys(command: "purge-dead")
        guard self.yes else { throw QueueUsage.fail("purge-dead", "this deletes every dead job of queue \(keys.queue); add --yes to do it") }
        let json = self.options.json
        try await QueueRun.run("purge-dead", global: self.global) { inspector, cli in
            let purged = try await inspector.purgeDead(queue: keys.queue)
            if json { return try QueueRun.printJSON(Outcome(queue: keys.queue, purged: purged)) }
            print("deleted \(purged) dead job(s) of queue \(keys.queue)")
            print("")
            print(cli.line("ZCARD", keys.dead))
        }
    }
}
