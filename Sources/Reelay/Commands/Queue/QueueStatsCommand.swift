import ArgumentParser
import Foundation
import JobQueue

/// `reelay queue stats`.
struct QueueStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Backlog, in-flight, scheduled, dead and processed counts of a queue, and the age of its next job.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    func run() async throws {
        let keys = try self.options.keys(command: "stats")
        let json = self.options.json
        try await QueueRun.run("stats", global: self.global) { inspector, cli in
            let stats = try await inspector.stats(queue: keys.queue, now: try await inspector.clock.now())
            if json { return try QueueRun.printJSON(stats) }
            let waiting = stats.oldestReadyAgeSeconds.map { "next waiting \(TextTable.age($0))" } ?? ""
            let counters = stats.counters
            print("queue \(stats.queue)\(stats.paused ? "  (PAUSED)" : "")")
            print(TextTable.render([
                ["ready", String(stats.ready), waiting], ["active", String(stats.active), ""], ["scheduled", String(stats.scheduled), ""],
                ["dead", String(stats.dead), ""],
            ]))
            print("processed: enqueued \(counters.enqueued), completed \(counters.completed), failed \(counters.failed), "
                + "retried \(counters.retried), dead \(counters.dead), recovered \(counters.recovered)")
            print("")
            print(cli.line("LLEN", keys.ready))
            print(cli.line("LLEN", keys.active))
            print(cli.line("ZCARD", keys.scheduled))
            print(cli.line("ZCARD", keys.dead))
            print(cli.line("EXISTS", keys.paused))
            print(cli.line("HGETALL", keys.stats))
            if let id = stats.oldestReadyID { print(cli.line("HMGET", keys.job(id), JobHashField.runAt, JobHashField.enqueuedAt)) }
        }
    }
}
