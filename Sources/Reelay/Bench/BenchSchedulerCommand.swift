import ArgumentParser
import Foundation

/// `reelay bench scheduler`: how late timed posts fire through the scheduler.
struct BenchSchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Fire --jobs timed posts due over --spread and print their lateness p50/p99/max in ms (build with -c release).",
        discussion: """
            On a schema and a queue of its own, inserts --jobs posts as `scheduled` in PostgreSQL, due from --lead after the start
            and spread evenly over --spread. A scheduler (the production SchedulerService, in this process) leads, loads them into
            Redis with their exact run times through its look-ahead, and its forwarder promotes each when due; --consumers
            claimers take them as a worker would. Lateness = the moment a claimer holds the job − its run time, both on Redis's
            clock. Targets: p99 < 50 ms and max < 250 ms for 10,000 posts due within 10 s. Drops its schema and keys afterwards.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Timed posts.") var jobs = 10_000
    @Option(help: "Window the run times are spread over (e.g. 10s).") var spread = "10s"
    @Option(help: "Time from the start to the first run time (the loader's head start; e.g. 3s).") var lead = "3s"
    @Option(help: "Concurrent claimers taking the fired jobs.") var consumers = 4
    @Flag(help: "Print one JSON object.") var json = false

    var spreadDuration: Duration { (try? SettingParsers.duration(in: .zero...(.seconds(3600)))(self.spread).get()) ?? .seconds(10) }
    var leadDuration: Duration { (try? SettingParsers.duration(in: .zero...(.seconds(600)))(self.lead).get()) ?? .seconds(3) }

    func validate() throws {
        guard (1...1_000_000).contains(self.jobs), (1...64).contains(self.consumers) else { throw ValidationError("jobs 1…1000000, consumers 1…64") }
        if case .failure(let problem) = SettingParsers.duration(in: .milliseconds(1)...(.seconds(3600)))(self.spread) {
            throw ValidationError("--spread \(problem.message)")
        }
        if case .failure(let problem) = SettingParsers.duration(in: .zero...(.seconds(600)))(self.lead) {
            throw ValidationError("--lead \(problem.message)")
        }
    }

    func run() async throws {
        let settings = try self.global.settings()
        let options = self
        try await FailureReport.exitingOnFailure(command: "bench scheduler") {
            let report = try await SchedulerBenchmark(options: options, settings: settings).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = options.json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if report.fired < report.jobs {
                FileHandle.standardError.write(Data("reelay bench scheduler: only \(report.fired) of \(report.jobs) posts fired\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
