import ArgumentParser
import Foundation

/// `reelay bench e2e`: posts per second through the whole system — API, Redis, worker processes, the result recorder,
/// PostgreSQL — against an in-process TikTok sandbox.
struct BenchE2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Publish --posts posts through the API, P worker processes and a local TikTok sandbox; print posts/s and latency (build with -c release).",
        discussion: """
            Runs a TikTok sandbox in this process (every TikTok API call delayed by --tiktok-latency-ms), a `reelay api` child
            on a schema and a queue of its own, and --workers `reelay worker` children on that queue (--concurrency slots each;
            the first also runs the queue's maintenance). Seeds through the API as a user would: sandbox creators imported as
            accounts with their tokens (at most 5 posts each, so TikTok's 6 video inits per minute per creator never throttle
            the run), up to 5 small videos uploaded with POST /media, one campaign (two when --posts is not a multiple of the
            media count) published now. Times from the start call until every post is `completed` in PostgreSQL; each post's
            latency is its completed time (`updated_at`) − the start, both on PostgreSQL's clock, into an HdrHistogram. Checks
            the sandbox holds exactly --posts published videos, none twice. Exits 1 when a post failed or went out twice.
            Drops its schema, queue and account keys afterwards.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Posts to publish.") var posts = 1000
    @Option(help: "Worker processes.") var workers = 4
    @Option(help: "Slots per worker process (its --concurrency).") var concurrency = 8
    @Option(name: .customLong("tiktok-latency-ms"), help: "Latency the sandbox adds to every TikTok API call, in ms.") var tiktokLatencyMs = 50
    @Option(help: "Longest wait for every post to finish (e.g. 10m).") var timeout = "10m"
    @Flag(help: "Print one JSON object.") var json = false

    var timeoutDuration: Duration { (try? SettingParsers.duration(in: .seconds(1)...(.seconds(86_400)))(self.timeout).get()) ?? .seconds(600) }

    func validate() throws {
        guard (1...100_000).contains(self.posts), (1...32).contains(self.workers), (1...256).contains(self.concurrency),
            (0...5000).contains(self.tiktokLatencyMs)
        else {
            throw ValidationError("posts 1…100000, workers 1…32, concurrency 1…256, tiktok-latency-ms 0…5000")
        }
        if case .failure(let problem) = SettingParsers.duration(in: .seconds(1)...(.seconds(86_400)))(self.timeout) {
            throw ValidationError("--timeout \(problem.message)")
        }
    }

    func run() async throws {
        let settings = try self.global.settings()
        let options = self
        try await FailureReport.exitingOnFailure(command: "bench e2e") {
            let report = try await E2EBenchmark(options: options, settings: settings).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = options.json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            var problems: [String] = []
            if report.failed > 0 { problems.append("\(report.failed) post(s) failed") }
            if report.sandboxPublished != report.posts { problems.append("the sandbox published \(report.sandboxPublished) of \(report.posts) posts") }
            if report.duplicates > 0 { problems.append("\(report.duplicates) publish id(s) or caption(s) appear twice in the sandbox") }
            if !problems.isEmpty {
                FileHandle.standardError.write(Data("reelay bench e2e: \(problems.joined(separator: "; "))\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
