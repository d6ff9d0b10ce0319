import ArgumentParser
import Foundation
import JobQueue
import Redis

#if canImport(Glibc)
import Glibc
#endif

/// `reelay bench queue`: real worker processes against the configured Redis, measured from outside.
struct BenchQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Enqueue and process N jobs with P worker processes; print jobs/s, pickup latency, worker RSS and Redis CPU per job.",
        discussion: """
            Each job does one INCR of a counter (the peers' benchmark job). The bulk run measures enqueue/s and process/s
            (first increment to last, from the counter); a paced run of --paced-jobs at --paced-rate measures enqueue→start
            latency from the job hashes. Uses a queue of its own and deletes its keys afterwards. Build with -c release.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Jobs in the bulk run.") var jobs = 100_000
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: "Slots per worker process.") var concurrency = 10
    @Option(help: "Jobs each worker takes ahead of its free slots (its --prefetch).") var prefetch = 0
    @Option(name: .customLong("completion-linger"), help: "Each worker's --completion-linger (default the worker's own, 2ms).")
    var completionLinger: String?
    @Option(name: .customLong("payload-bytes"), help: "Extra payload bytes per job.") var payloadBytes = 0
    @Option(name: .customLong("paced-jobs"), help: "Jobs in the paced latency run.") var pacedJobs = 1000
    @Option(name: .customLong("paced-rate"), help: "Jobs per second in the paced run.") var pacedRate = 200
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1...10_000_000).contains(self.jobs), (1...64).contains(self.workers), (1...1000).contains(self.concurrency),
            (0...1000).contains(self.prefetch), (0...1_000_000).contains(self.payloadBytes), (0...1_000_000).contains(self.pacedJobs),
            (1...100_000).contains(self.pacedRate)
        else {
            throw ValidationError(
                "jobs 1…10M, workers 1…64, concurrency 1…1000, prefetch 0…1000, payload-bytes 0…1M, paced-jobs 0…1M, paced-rate 1…100k")
        }
    }

    func run() async throws {
        let settings = try self.global.settings()
        let options = self
        try await FailureReport.exitingOnFailure(command: "bench queue") {
            let redis = RedisClient(configuration: settings.redis)
            do {
                let report = try await QueueBenchmark(options: options, redis: redis, redisURL: settings.redis).run()
                await redis.shutdown()
                let encoder = JSONEncoder()
                encoder.outputFormatting = options.json ? [.sortedKeys] : [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } catch {
                await redis.shutdown()
                throw error
            }
        }
    }
}
