import Foundation
import JobQueue
import TikTok

/// The worker's settings, parsed and checked, as the job queue's configuration.
struct WorkerSettings {
    var configuration: WorkerConfiguration
    /// Whether this worker runs the maintenance loops of its queues.
    var runsMaintenance: Bool
    /// The folder media paths are resolved in.
    var mediaRoot: String
    /// Where media downloaded from signed URLs are kept, and how much of it.
    var mediaCache: RemoteMediaConfiguration
    /// Events kept per results stream.
    var resultsMaxLength: Int

    /// Reads the worker settings from `sources`; `workerID` names this process in leases and the registry.
    init(_ sources: SettingSources, workerID: String) throws(ConfigurationError) {
        var configuration = WorkerConfiguration(workerID: workerID)
        configuration.queues = try sources.read(SettingsCatalog.workerQueues, Self.parseQueues)
        configuration.strictPriority = try sources.read(SettingsCatalog.workerStrictPriority, SettingParsers.choice(["true", "false"])) == "true"
        configuration.concurrency = try sources.read(SettingsCatalog.workerConcurrency, SettingParsers.integer(in: 1...1000))
        configuration.prefetch = try sources.read(SettingsCatalog.workerPrefetch, SettingParsers.integer(in: 0...1000))
        configuration.completionLinger = try sources.read(
            SettingsCatalog.workerCompletionLinger, SettingParsers.duration(in: .zero...(.milliseconds(500))))
        configuration.leaseDuration = try sources.read(SettingsCatalog.workerLease, SettingParsers.duration(in: .seconds(3)...(.seconds(3600))))
        configuration.heartbeatInterval = configuration.leaseDuration / 3
        configuration.shutdownGrace = try sources.read(SettingsCatalog.workerShutdownGrace, SettingParsers.duration(in: .zero...(.seconds(3600))))
        configuration.defaultTimeout = try sources.read(SettingsCatalog.workerJobTimeout, SettingParsers.duration(in: .seconds(1)...(.seconds(86400))))
        self.configuration = configuration
        self.runsMaintenance = try sources.read(SettingsCatalog.workerMaintenance, SettingParsers.choice(["true", "false"])) == "true"
        self.mediaRoot = try sources.read(SettingsCatalog.mediaRoot, Self.parseFolder)
        self.mediaCache = RemoteMediaConfiguration(
            directory: try sources.read(SettingsCatalog.mediaCacheDir, Self.parseFolder),
            maxBytes: Int64(try sources.read(SettingsCatalog.mediaCacheMaxBytes, SettingParsers.integer(in: 1_048_576...(1 << 50)))))
        self.resultsMaxLength = try sources.read(SettingsCatalog.resultsMaxLength, SettingParsers.integer(in: 1_000...100_000_000))
    }

    /// A non-empty path, made absolute against the current directory.
    static func parseFolder(_ raw: String) -> Result<String, SettingProblem> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, !text.contains("\0") else { return .failure(SettingProblem("must name a folder")) }
        return .success(URL(fileURLWithPath: text).standardizedFileURL.path)
    }

    /// `publish:3,bulk` → [(publish, 3), (bulk, 1)].
    static func parseQueues(_ raw: String) -> Result<[WorkerConfiguration.QueueWeight], SettingProblem> {
        var queues: [WorkerConfiguration.QueueWeight] = []
        for item in raw.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2, (try? QueueKeys.validate(queue: parts[0])) != nil else {
                return .failure(SettingProblem("'\(item)' is not a queue name (1 to 64 of a-z, 0-9, _ and -) with an optional :weight"))
            }
            let weight = parts.count == 2 ? Int(parts[1]) : 1
            guard let weight, (1...1000).contains(weight) else {
                return .failure(SettingProblem("the weight in '\(item)' must be a whole number from 1 to 1000"))
            }
            guard !queues.contains(where: { $0.name == parts[0] }) else { return .failure(SettingProblem("queue '\(parts[0])' is listed twice")) }
            queues.append(.init(parts[0], weight: weight))
        }
        return queues.isEmpty ? .failure(SettingProblem("name at least one queue")) : .success(queues)
    }
}
