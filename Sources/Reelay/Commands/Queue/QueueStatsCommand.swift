import ArgumentParser
import Foundation
import JobQueue
import Publishing

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
            let now = try await inspector.clock.now()
            let stats = try await inspector.stats(queue: keys.queue, now: now)
            let scheduler = try await SchedulerReport.read(redis: inspector.client, now: now)
            if json { return try QueueRun.printJSON(StatsWithScheduler(stats: stats, scheduler: SchedulerFigures(scheduler))) }
            let waiting = stats.oldestReadyAgeSeconds.map { "next waiting \(TextTable.age($0))" } ?? ""
            let counters = stats.counters
            print("queue \(stats.queue)\(stats.paused ? "  (PAUSED)" : "")")
            print(TextTable.render([
                ["ready", String(stats.ready), waiting], ["active", String(stats.active), ""], ["scheduled", String(stats.scheduled), ""],
                ["dead", String(stats.dead), ""],
            ]))
            print("processed: enqueued \(counters.enqueued), completed \(counters.completed), failed \(counters.failed), "
                + "retried \(counters.retried), dead \(counters.dead), recovered \(counters.recovered)")
            print(Self.schedulerLine(scheduler))
            print("")
            print(cli.line("LLEN", keys.ready))
            print(cli.line("ZCARD", keys.lease))
            print(cli.line("ZCARD", keys.scheduled))
            print(cli.line("ZCARD", keys.dead))
            print(cli.line("EXISTS", keys.paused))
            print(cli.line("HGETALL", keys.stats))
            if let id = stats.oldestReadyID { print(cli.line("HMGET", keys.job(id), JobHashField.runAt, JobHashField.enqueuedAt)) }
            let schedulerKeys = SchedulerKeys()
            print(cli.line("GET", schedulerKeys.leader))
            print(cli.line("HGETALL", schedulerKeys.status))
        }
    }

    /// `scheduler: leader … (term n), lag … ms, stuck past due n, recorder lag … ms`, or why there are no figures.
    static func schedulerLine(_ report: SchedulerReport) -> String {
        guard let leader = report.leader else { return "scheduler: NO LEADER (start `reelay scheduler`: timed posts do not fire, due retries wait)" }
        let term = report.fencingToken.map { " (term \($0))" } ?? ""
        guard report.state != "stale", let lag = report.lagMilliseconds else {
            return "scheduler: leader \(leader)\(term), figures not published in the last 10 s"
        }
        return "scheduler: leader \(leader)\(term), \(report.state), lag \(lag) ms, stuck past due \(report.stuckPastDue ?? 0), "
            + "recorder lag \(report.recorderLagMilliseconds ?? 0) ms"
    }
}

/// What `reelay queue stats --json` prints: the queue's figures and the scheduler's.
struct StatsWithScheduler: Encodable {
    var stats: QueueStats
    var scheduler: SchedulerFigures

    func encode(to encoder: any Encoder) throws {
        try self.stats.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(self.scheduler, forKey: Key(stringValue: "scheduler"))
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The scheduler's report in JSON.
struct SchedulerFigures: Encodable {
    var state: String
    var leader: String?
    var fencingToken: Int64?
    var lagMs: Int64?
    var stuckPastDue: Int64?
    var recorderLagMs: Int64?
    var updatedMsAgo: Int64?

    init(_ report: SchedulerReport) {
        self.state = report.state
        self.leader = report.leader
        self.fencingToken = report.fencingToken
        self.lagMs = report.lagMilliseconds
        self.stuckPastDue = report.stuckPastDue
        self.recorderLagMs = report.recorderLagMilliseconds
        self.updatedMsAgo = report.updatedMillisecondsAgo
    }

    enum CodingKeys: String, CodingKey {
        case state, leader, fencingToken = "fencing_token", lagMs = "lag_ms", stuckPastDue = "stuck_past_due", recorderLagMs = "recorder_lag_ms"
        case updatedMsAgo = "updated_ms_ago"
    }
}
