import Foundation
import JobQueue
import Redis

#if canImport(Glibc)
import Glibc
#endif

/// The figures `reelay bench queue` prints.
struct QueueBenchmarkReport: Codable {
    struct Latency: Codable {
        var p50: Double
        var p99: Double
        var samples: Int
    }

    var jobs: Int
    var workers: Int
    var concurrency: Int
    var prefetch: Int
    var payloadBytes: Int
    /// Bulk enqueue rate (one call, pipelined).
    var enqueuePerS: Double
    /// Jobs per second from the first increment to the last (workers run while the enqueue goes on).
    var processPerS: Double
    /// Enqueue → start of the paced run, in milliseconds (the job hash's enqueued_at and leased_at).
    var latencyMs: Latency
    /// Resident memory of an idle worker process, averaged over the workers.
    var workerRssMb: Double
    /// The part of that no other process shares (``QueueBenchmark/uniqueMegabytes(pid:)``), averaged over the workers.
    var workerUssMb: Double
    /// Redis CPU (user + system) spent per job over the bulk run.
    var redisCpuUsPerJob: Double
    /// What each Redis command cost per job over the bulk run (`INFO commandstats` read before and after, so other
    /// clients' commands in that window count too; run on a quiet Redis). Commands a script runs are counted both on
    /// their own line and inside the `evalsha` line's time.
    var redisCommandsPerJob: [String: CommandCost]

    /// One command's calls and time per job.
    struct CommandCost: Codable {
        var calls: Double
        var usec: Double
    }

    enum CodingKeys: String, CodingKey {
        case jobs, workers, concurrency, prefetch
        case payloadBytes = "payload_bytes"
        case enqueuePerS = "enqueue_per_s"
        case processPerS = "process_per_s"
        case latencyMs = "latency_ms"
        case workerRssMb = "worker_rss_mb"
        case workerUssMb = "worker_uss_mb"
        case redisCpuUsPerJob = "redis_cpu_us_per_job"
        case redisCommandsPerJob = "redis_commands_per_job"
    }
}

/// Runs one queue benchmark: starts the worker processes, drives the bulk and paced runs, cleans up.
struct QueueBenchmark {
    let options: BenchQueueCommand
    let redis: RedisClient
    let redisURL: RedisConfiguration

    func run() async throws -> QueueBenchmarkReport {
        let queue = "bench_\(UInt32.random(in: 0...UInt32.max))"
        let keys = try QueueKeys(queue: queue)
        let counter = "reelay:bench:{\(queue)}:counter"
        let broker = RedisJobBroker(client: self.redis)
        let workers = try self.startWorkers(queue: queue)
        var ids: [JobID] = []
        defer { Self.stop(workers) }
        do {
            try await self.waitForWorkers(queue: queue, count: workers.count)
            try await Task.sleep(for: .seconds(1))  // let start-up allocations settle before reading RSS
            let rss = workers.map { Self.residentMegabytes(pid: $0.processIdentifier) }.reduce(0, +) / Double(workers.count)
            let unique = workers.map { Self.uniqueMegabytes(pid: $0.processIdentifier) }.reduce(0, +) / Double(workers.count)

            let padding = self.options.payloadBytes > 0 ? String(repeating: "x", count: self.options.payloadBytes) : nil
            let requests = try (0..<self.options.jobs).map { _ throws(JobQueueError) in
                try JobRequest(IncrementCounter(key: counter, padding: padding))
            }
            ids = requests.map(\.options.id)
            let cpuBefore = try await self.redisCPU()
            let commandsBefore = try await self.commandStats()
            let watch = Task { try await self.watchCounter(counter, until: self.options.jobs) }
            let enqueueStart = ContinuousClock.now
            for chunk in stride(from: 0, to: requests.count, by: 10_000) {
                _ = try await broker.enqueue(Array(requests[chunk..<min(chunk + 10_000, requests.count)]), queue: queue, now: Date())
            }
            let enqueueSeconds = (ContinuousClock.now - enqueueStart).inSeconds
            let window = try await watch.value
            let cpuAfter = try await self.redisCPU()
            let commandsAfter = try await self.commandStats()
            var perJob: [String: QueueBenchmarkReport.CommandCost] = [:]
            for (name, after) in commandsAfter {
                let before = commandsBefore[name] ?? (0, 0)
                let calls = after.calls - before.calls
                guard calls > 0 else { continue }
                let jobs = Double(self.options.jobs)
                perJob[name] = .init(calls: (calls / jobs * 100).rounded() / 100, usec: ((after.usec - before.usec) / jobs * 100).rounded() / 100)
            }

            let (latency, pacedIDs) = try await self.pacedRun(broker: broker, queue: queue, keys: keys, counter: counter)
            ids += pacedIDs
            try await self.cleanUp(keys: keys, ids: ids, counter: counter)
            return QueueBenchmarkReport(
                jobs: self.options.jobs, workers: self.options.workers, concurrency: self.options.concurrency,
                prefetch: self.options.prefetch,
                payloadBytes: self.options.payloadBytes, enqueuePerS: (Double(self.options.jobs) / enqueueSeconds).rounded(),
                processPerS: (Double(self.options.jobs) / window).rounded(), latencyMs: latency, workerRssMb: (rss * 10).rounded() / 10,
                workerUssMb: (unique * 10).rounded() / 10,
                redisCpuUsPerJob: ((cpuAfter - cpuBefore) * 1e6 / Double(self.options.jobs) * 10).rounded() / 10,
                redisCommandsPerJob: perJob)
        } catch {
            try? await self.cleanUp(keys: keys, ids: ids, counter: counter)
            throw error
        }
    }

    // MARK: - Workers

    private func startWorkers(queue: String) throws -> [Process] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = ["bench", "worker", "--queues", queue, "--concurrency", String(self.options.concurrency), "--log-level", "warning"]
        arguments += ["--prefetch", String(self.options.prefetch)]
        if let linger = self.options.completionLinger { arguments += ["--completion-linger", linger] }
        if let file = self.options.global.configFile { arguments += ["--config", file] }
        if let url = self.options.global.redisURL { arguments += ["--redis-url", url] }
        return try (0..<self.options.workers).map { _ in
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
    }

    private func waitForWorkers(queue: String, count: Int) async throws {
        try await Self.waitForWorkers(queue: queue, count: count, redis: self.redis)
    }

    /// Waits until `count` worker processes of `queue` have announced themselves in the worker registry (30 s at most).
    static func waitForWorkers(queue: String, count: Int, redis: RedisClient) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            let ids = try await redis.send(["ZRANGE", "reelay:workers", "0", "-1"]).array?.compactMap(\.string) ?? []
            let queues = try await redis.pipeline(ids.map { ["HGET", "reelay:worker:\($0)", "queues"] }).compactMap(\.string)
            if queues.filter({ $0 == queue }).count >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkFailure(description: "the worker processes did not announce themselves within 30 s")
    }

    private static func stop(_ workers: [Process]) {
        for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGTERM) }
    }

    static func residentMegabytes(pid: Int32) -> Double {
        Self.kilobytes(["VmRSS:"], in: "/proc/\(pid)/status") / 1024
    }

    /// The peak resident memory of a process so far (`VmHWM`).
    static func peakResidentMegabytes(pid: Int32) -> Double {
        Self.kilobytes(["VmHWM:"], in: "/proc/\(pid)/status") / 1024
    }

    /// The unique set size of a process: pages no other process maps (its heap and stacks, written data), which is what
    /// one more worker on a host costs; the executable's and shared libraries' pages it shares are left out.
    static func uniqueMegabytes(pid: Int32) -> Double {
        Self.kilobytes(["Private_Clean:", "Private_Dirty:"], in: "/proc/\(pid)/smaps_rollup") / 1024
    }

    /// The sum of the `… kB` values of the lines of `file` that start with one of `fields`.
    private static func kilobytes(_ fields: [String], in file: String) -> Double {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { line in fields.contains { line.hasPrefix($0) } }
            .map { Double($0.split(separator: " ").dropFirst().first ?? "0") ?? 0 }.reduce(0, +)
    }

    // MARK: - Measuring

    /// Seconds from the counter's first increment to its reaching `target` (polled every 2 ms).
    private func watchCounter(_ counter: String, until target: Int) async throws -> Double {
        var first: ContinuousClock.Instant?
        let deadline = ContinuousClock.now.advanced(by: .seconds(600))
        while ContinuousClock.now < deadline {
            let value = try await self.redis.send(["GET", counter]).string.flatMap(Int.init) ?? 0
            if value > 0, first == nil { first = ContinuousClock.now }
            if value >= target, let first { return max((ContinuousClock.now - first).inSeconds, 0.001) }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchmarkFailure(description: "the jobs did not all run within 10 minutes")
    }

    /// Enqueues `pacedJobs` one at a time at `pacedRate`, waits for them, and reads enqueue → start from their hashes.
    private func pacedRun(
        broker: RedisJobBroker, queue: String, keys: QueueKeys, counter: String
    ) async throws -> (QueueBenchmarkReport.Latency, [JobID]) {
        guard self.options.pacedJobs > 0 else { return (.init(p50: 0, p99: 0, samples: 0), []) }
        let interval = Duration.seconds(1) / self.options.pacedRate
        var ids: [JobID] = []
        let start = ContinuousClock.now
        for index in 0..<self.options.pacedJobs {
            let request = try JobRequest(IncrementCounter(key: counter))
            _ = try await broker.enqueue([request], queue: queue, now: Date())
            ids.append(request.options.id)
            let next = start.advanced(by: interval * (index + 1))
            if next > ContinuousClock.now { try await Task.sleep(until: next, clock: .continuous) }
        }
        _ = try await self.watchCounter(counter, until: self.options.jobs + self.options.pacedJobs)
        var latencies: [Double] = []
        for chunk in stride(from: 0, to: ids.count, by: 1000) {
            let replies = try await self.redis.pipeline(
                ids[chunk..<min(chunk + 1000, ids.count)].map { ["HMGET", keys.job($0), JobHashField.enqueuedAt, JobHashField.leasedAt] })
            for reply in replies {
                let fields = reply.array?.compactMap { $0.string.flatMap(Double.init) } ?? []
                if fields.count == 2 { latencies.append(fields[1] - fields[0]) }
            }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return (.init(p50: percentile(0.5), p99: percentile(0.99), samples: latencies.count), ids)
    }

    /// Redis's own CPU seconds (user + system), from INFO cpu.
    private func redisCPU() async throws -> Double {
        let info = try await self.redis.send(["INFO", "cpu"]).string ?? ""
        return info.split(whereSeparator: \.isNewline).reduce(0.0) { total, line in
            guard line.hasPrefix("used_cpu_sys:") || line.hasPrefix("used_cpu_user:") else { return total }
            return total + (Double(line.split(separator: ":")[1]) ?? 0)
        }
    }

    /// `INFO commandstats` as command → (calls, microseconds) since Redis started or its last `CONFIG RESETSTAT`.
    private func commandStats() async throws -> [String: (calls: Double, usec: Double)] {
        let info = try await self.redis.send(["INFO", "commandstats"]).string ?? ""
        var stats: [String: (calls: Double, usec: Double)] = [:]
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            let parts = line.dropFirst("cmdstat_".count).split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            var fields: [Substring: Double] = [:]
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { fields[kv[0]] = Double(kv[1]) }
            }
            stats[String(parts[0])] = (fields["calls"] ?? 0, fields["usec"] ?? 0)
        }
        return stats
    }

    private func cleanUp(keys: QueueKeys, ids: [JobID], counter: String) async throws {
        for chunk in stride(from: 0, to: ids.count, by: 1000) {
            _ = try await self.redis.send(["DEL"] + ids[chunk..<min(chunk + 1000, ids.count)].map { keys.job($0) })
        }
        _ = try await self.redis.send([
            "DEL", keys.ready, keys.active, keys.lease, keys.scheduled, keys.dead, keys.paused, keys.stats, keys.results, counter,
        ])
    }
}

/// A benchmark that could not run to its end.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
}
