import ArgumentParser
import Foundation
import JobQueue

/// `reelay queue ls`.
struct QueueListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List the jobs of a queue in one state: ready and active oldest first, scheduled by run-at, dead by death.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: QueueOptions

    @Option(name: .customLong("state"), help: "ready, scheduled, active or dead.")
    var state = "ready"

    @Option(name: .customLong("limit"), help: "At most this many jobs (1 to 10000).")
    var limit = "50"

    @Option(name: .customLong("offset"), help: "Skip this many jobs first.")
    var offset = "0"

    /// What `--json` prints.
    struct Listing: Encodable {
        var queue: String
        var state: JobState
        var offset: Int
        var jobs: [JobSummary]
    }

    func run() async throws {
        let keys = try self.options.keys(command: "ls")
        guard let state = JobState(rawValue: self.state), state != .completed else {
            throw QueueUsage.fail("ls", "unknown state '\(self.state.prefix(32))': use ready, scheduled, active or dead")
        }
        let limit = try QueueUsage.integer(self.limit, "limit", in: 1...10_000, command: "ls")
        let offset = try QueueUsage.integer(self.offset, "offset", in: 0...Int(Int32.max), command: "ls")
        let json = self.options.json
        try await QueueRun.run("ls", global: self.global) { inspector, cli in
            let jobs = try await inspector.list(queue: keys.queue, state: state, offset: offset, limit: limit)
            if json { return try QueueRun.printJSON(Listing(queue: keys.queue, state: state, offset: offset, jobs: jobs)) }
            let scoreTitle = ["ready": "", "active": "LEASE UNTIL", "scheduled": "RUN AT", "dead": "DIED AT"][state.rawValue] ?? ""
            var rows = [["ID", "NAME", "ATTEMPT", "ENQUEUED", scoreTitle, "LAST ERROR"]]
            for job in jobs {
                rows.append([
                    job.id.description, job.name ?? "(no hash)", "\(job.attempt.map(String.init) ?? "?")/\(job.maxAttempts.map(String.init) ?? "?")",
                    Self.time(job.enqueuedAt), Self.time(job.scoredAt), String((job.lastError ?? "").prefix(60)),
                ])
            }
            print(jobs.isEmpty ? "no \(state.rawValue) jobs in queue \(keys.queue)" + (offset > 0 ? " from offset \(offset)" : "") : TextTable.render(rows))
            print("")
            switch state {
            case .ready: print(cli.line("LRANGE", keys.ready, String(-(offset + limit)), String(-(offset + 1))))
            case .active: print(cli.line("ZRANGE", keys.lease, String(offset), String(offset + limit - 1), "WITHSCORES"))
            case .scheduled: print(cli.line("ZRANGE", keys.scheduled, String(offset), String(offset + limit - 1), "WITHSCORES"))
            case .dead, .completed: print(cli.line("ZRANGE", keys.dead, String(offset), String(offset + limit - 1), "WITHSCORES"))
            }
            if let first = jobs.first { print(cli.line("HGETALL", keys.job(first.id))) }
        }
    }

    static func time(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "" }
}
