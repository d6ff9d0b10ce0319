import ArgumentParser
import Foundation
import JobQueue

/// `reelay queue retry ID… | --all`.
struct QueueRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put dead jobs back at the tail of their ready list with their attempts reset.",
        discussion: "Name the jobs, or pass --all for every dead job of the queue. Ids that are not dead are skipped.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    @Argument(help: "Ids of dead jobs.")
    var ids: [String] = []

    @Flag(name: .customLong("all"), help: "Retry every dead job of the queue.")
    var all = false

    /// What `--json` prints.
    struct Outcome: Encodable {
        var queue: String
        var requested: Int?
        var retried: Int
    }

    func run() async throws {
        let keys = try self.options.keys(command: "retry")
        guard self.all != !self.ids.isEmpty else { throw QueueUsage.fail("retry", "give job ids or --all (not both)") }
        let ids = self.all ? nil : try QueueUsage.jobIDs(self.ids, command: "retry")
        let json = self.options.json
        try await QueueRun.run("retry", global: self.global) { inspector, cli in
            let retried = try await inspector.retryDead(queue: keys.queue, ids: ids, now: try await inspector.clock.now())
            if json { return try QueueRun.printJSON(Outcome(queue: keys.queue, requested: ids?.count, retried: retried)) }
            if let ids {
                print("retried \(retried) of \(ids.count) job(s) in queue \(keys.queue)"
                    + (retried < ids.count ? "; the others were not dead (see `reelay queue show ID`)" : ""))
            } else {
                print("retried \(retried) dead job(s) in queue \(keys.queue)")
            }
            print("")
            print(cli.line("ZCARD", keys.dead))
            print(cli.line("LLEN", keys.ready))
        }
    }
}
