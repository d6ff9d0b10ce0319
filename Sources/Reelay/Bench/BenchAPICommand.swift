import ArgumentParser
import Foundation

/// `reelay bench api`: a real `reelay api` process against the configured PostgreSQL and Redis, measured over HTTP.
struct BenchAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Time a 10k-post campaign start and GET /api/v1/posts latency at 200 concurrent requests (build with -c release).",
        discussion: """
            Starts `reelay api` as a child process on a schema and a queue of its own (the per-key rate limit off), seeds
            --accounts accounts and --media media, creates a campaign pairing them (media × accounts posts) and times
            POST /campaigns/{id}/start, which writes every post row in one transaction and enqueues them in one bulk call.
            Then --requests GET /api/v1/posts?limit=50 requests run with --concurrency in flight; latencies go into an
            HdrHistogram. Drops its schema and queue keys afterwards. Targets: start < 2 s for 10k posts, p99 < 50 ms.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Accounts the campaign selects.") var accounts = 100
    @Option(help: "Media in the campaign (posts = media × accounts).") var media = 100
    @Option(help: "GET /api/v1/posts requests in the latency run.") var requests = 20_000
    @Option(help: "Requests in flight at once.") var concurrency = 200
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1...10_000).contains(self.accounts), (1...100).contains(self.media), (0...10_000_000).contains(self.requests),
            (1...2000).contains(self.concurrency)
        else {
            throw ValidationError("accounts 1…10000, media 1…100, requests 0…10M, concurrency 1…2000")
        }
    }

    func run() async throws {
        let settings = try self.global.settings()
        let options = self
        try await FailureReport.exitingOnFailure(command: "bench api") {
            let report = try await APIBenchmark(options: options, settings: settings).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = options.json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if report.listPosts.errors > 0 {
                FileHandle.standardError.write(Data("reelay bench api: \(report.listPosts.errors) request(s) did not answer 200\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
