import ArgumentParser
import Foundation
import JobQueue

/// `reelay queue show ID`.
struct QueueShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one job: payload, state, attempts, owner, checkpoint, last error, and where its id is.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    @Argument(help: "The job's id (a UUID; for a post, the post's id).")
    var id: String

    func run() async throws {
        let keys = try self.options.keys(command: "show")
        let id = try QueueUsage.jobIDs([self.id], command: "show")[0]
        let json = self.options.json
        try await QueueRun.run("show", global: self.global) { inspector, cli in
            guard let job = try await inspector.job(queue: keys.queue, id: id) else {
                FileHandle.standardError.write(Data("reelay queue show: no job \(id) in queue \(keys.queue)\n".utf8))
                throw ExitCode(1)
            }
            if json { return try QueueRun.printJSON(job) }
            let time = QueueListCommand.time
            let rows: [(String, String?)] = [
                ("id", job.id.description), ("queue", job.queue), ("state", job.state), ("found in", job.foundIn.joined(separator: ", ")),
                ("name", job.name), ("attempt", "\(job.attempt.map(String.init) ?? "?") of \(job.maxAttempts.map(String.init) ?? "?")"),
                ("stalls", job.stalls.map(String.init)), ("owner", job.owner), ("unique key", job.uniqueKey),
                ("enqueued", job.enqueuedAt.map(time)), ("run at", job.runAt.map(time)), ("leased", job.leasedAt.map(time)),
                ("lease until", job.leaseUntil.map(time)), ("scheduled for", job.scheduledFor.map(time)), ("died", job.diedAt.map(time)),
                ("finished", job.finishedAt.map(time)), ("last error", job.lastError), ("checkpoint", job.checkpoint), ("payload", job.payload),
            ]
            print(TextTable.render(rows.compactMap { name, value in value.map { [name, $0] } }))
            print("")
            print(cli.line("HGETALL", keys.job(id)))
        }
    }
}
