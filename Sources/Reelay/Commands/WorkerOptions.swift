import ArgumentParser
import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import TikTok
import UnixSignals

/// The options of a worker process, shared by `reelay worker` (production jobs) and `reelay bench worker` (the same
/// process with the benchmark's jobs added), and the code that builds and runs its services.
struct WorkerOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("queues"), help: SettingsCatalog.workerQueues.argumentHelp) var queues: String?
    @Option(name: .customLong("strict-priority"), help: SettingsCatalog.workerStrictPriority.argumentHelp) var strictPriority: String?
    @Option(name: .customLong("concurrency"), help: SettingsCatalog.workerConcurrency.argumentHelp) var concurrency: String?
    @Option(name: .customLong("prefetch"), help: SettingsCatalog.workerPrefetch.argumentHelp) var prefetch: String?
    @Option(name: .customLong("completion-linger"), help: SettingsCatalog.workerCompletionLinger.argumentHelp) var completionLinger: String?
    @Option(name: .customLong("lease"), help: SettingsCatalog.workerLease.argumentHelp) var lease: String?
    @Option(name: .customLong("shutdown-grace"), help: SettingsCatalog.workerShutdownGrace.argumentHelp) var shutdownGrace: String?
    @Option(name: .customLong("job-timeout"), help: SettingsCatalog.workerJobTimeout.argumentHelp) var jobTimeout: String?
    @Option(name: .customLong("maintenance"), help: SettingsCatalog.workerMaintenance.argumentHelp) var maintenance: String?
    @Option(name: .customLong("media-root"), help: SettingsCatalog.mediaRoot.argumentHelp) var mediaRoot: String?
    @Option(name: .customLong("media-cache-dir"), help: SettingsCatalog.mediaCacheDir.argumentHelp) var mediaCacheDir: String?
    @Option(name: .customLong("media-cache-max-bytes"), help: SettingsCatalog.mediaCacheMaxBytes.argumentHelp) var mediaCacheMaxBytes: String?
    @Option(name: .customLong("tiktok-api-url"), help: SettingsCatalog.tiktokAPIURL.argumentHelp) var tiktokAPIURL: String?
    @Option(name: .customLong("results-max-length"), help: SettingsCatalog.resultsMaxLength.argumentHelp) var resultsMaxLength: String?
    @Option(name: .customLong("metrics-port"), help: SettingsCatalog.metricsPort.argumentHelp) var metricsPort: String?
    /// Fault injection for crash tests: the process kills itself with SIGKILL when a publish reaches this step.
    @Option(name: .customLong("crash-at"), help: .hidden) var crashAt: String?

    var workerFlags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.workerQueues, self.queues), (SettingsCatalog.workerStrictPriority, self.strictPriority),
            (SettingsCatalog.workerConcurrency, self.concurrency), (SettingsCatalog.workerPrefetch, self.prefetch),
            (SettingsCatalog.workerCompletionLinger, self.completionLinger),
            (SettingsCatalog.workerLease, self.lease),
            (SettingsCatalog.workerShutdownGrace, self.shutdownGrace), (SettingsCatalog.workerJobTimeout, self.jobTimeout),
            (SettingsCatalog.workerMaintenance, self.maintenance), (SettingsCatalog.mediaRoot, self.mediaRoot),
            (SettingsCatalog.mediaCacheDir, self.mediaCacheDir), (SettingsCatalog.mediaCacheMaxBytes, self.mediaCacheMaxBytes),
            (SettingsCatalog.tiktokAPIURL, self.tiktokAPIURL), (SettingsCatalog.resultsMaxLength, self.resultsMaxLength),
            (SettingsCatalog.metricsPort, self.metricsPort),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    /// The `--crash-at` step, checked.
    func crashStep() throws -> PublishStep? {
        guard let crashAt else { return nil }
        guard let step = PublishStep(name: crashAt) else {
            FileHandle.standardError.write(Data("reelay: invalid --crash-at '\(crashAt)'\n".utf8))
            throw ExitCode(2)
        }
        return step
    }

    /// The handlers a worker runs: the publish pipeline's when it is given, and the benchmark's jobs only when
    /// `benchmarkJobs` (`reelay bench worker`); a production worker has none of them, so a benchmark job sent to it
    /// dies as an unknown job instead of incrementing whatever key its payload names.
    static func jobRegistry(redis: RedisClient, publishing: PublishPipeline?, benchmarkJobs: Bool) -> JobRegistry {
        var registry = JobRegistry()
        if benchmarkJobs { registry.registerBenchmarkJobs(client: redis) }
        publishing?.register(in: &registry)
        return registry
    }

    /// Runs the worker process until SIGTERM/SIGINT; `command` names it in a failure report.
    func runWorker(command: String, benchmarkJobs: Bool) async throws {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let workerID = "\(host):\(pid):\(UUID().uuidString.prefix(8).lowercased())"
        let (settings, workerSettings, tiktok) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.workerFlags)
            return (try ReelaySettings(sources), try WorkerSettings(sources, workerID: workerID), try TikTokSettings(sources))
        }
        let crashStep = try self.crashStep()
        if tiktok.cipher == nil, workerSettings.configuration.queues.contains(where: { $0.name == "publish" }) {
            // Without the key, publish jobs would meet no handler and die: refuse to start instead.
            FileHandle.standardError.write(
                Data("reelay: REELAY_ENCRYPTION_KEY is not set: a worker of the publish queue needs it to read account tokens\n".utf8))
            throw ExitCode(2)
        }
        let logger = settings.logger(label: "reelay.worker")
        let metrics = settings.metricsServices(logger: logger)
        let tracing = try settings.tracingServices(service: "reelay-worker", logger: logger)
        var redisConfiguration = settings.redis
        // Blocking waits: the pickup loop and one forwarder per queue.
        redisConfiguration.blockingPoolSize = max(redisConfiguration.blockingPoolSize, workerSettings.configuration.queues.count + 2)
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let services = tracing + [redis] + metrics + Self.services(
            workerSettings, tiktok: tiktok, redis: redis, host: host, pid: pid, workerID: workerID, crashStep: crashStep, benchmarkJobs: benchmarkJobs,
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await FailureReport.exitingOnFailure(command: command) {
            try await ServiceGroup(configuration: configuration).run()
        }
    }

    /// A worker's services over a running Redis client: the publish pipeline (with a cipher), the registry heartbeat,
    /// the maintenance loops when enabled, and the processor last (it shuts down first, while the rest still run).
    /// Also used by `reelay dev`.
    static func services(
        _ workerSettings: WorkerSettings, tiktok: TikTokSettings, redis: RedisClient, host: String, pid: Int32, workerID: String,
        crashStep: PublishStep?, benchmarkJobs: Bool, logger: Logger
    ) -> [any Service] {
        let worker = workerSettings.configuration
        var services: [any Service] = []
        var pipeline: PublishPipeline?
        if let cipher = tiktok.cipher {
            let client = TikTokClient(configuration: tiktok.configuration, logger: logger)
            var publishing = PublishConfiguration(mediaRoot: workerSettings.mediaRoot)
            if let crashStep {
                publishing.stepHook = { step in if step == crashStep { kill(getpid(), SIGKILL) } }
            }
            let remoteMedia = RemoteMediaCache(mediaRoot: workerSettings.mediaRoot, configuration: workerSettings.mediaCache, logger: logger)
            pipeline = PublishPipeline(
                client: client, tokens: TokenCache(redis: redis, cipher: cipher), redis: redis, configuration: publishing, remoteMedia: remoteMedia)
            services += [client, RemoteMediaCacheService(cache: remoteMedia)]
        }
        let registry = Self.jobRegistry(redis: redis, publishing: pipeline, benchmarkJobs: benchmarkJobs)
        let broker = RedisJobBroker(client: redis, resultsMaxLength: workerSettings.resultsMaxLength)
        let processor = JobProcessor(broker: broker, registry: registry, configuration: worker, logger: logger)
        let announcement = WorkerRegistry(
            client: redis,
            identity: .init(
                workerID: workerID, host: host, pid: pid, version: ReelayCommand.version, queues: worker.queues.map(\.name),
                concurrency: worker.concurrency),
            logger: logger, inFlight: { processor.runningJobs })
        services.append(announcement)
        if workerSettings.runsMaintenance {
            var maintenance = MaintenanceConfiguration()
            maintenance.queues = worker.queues.map(\.name)
            services += [
                MaintenanceLoop.forwarder(broker: broker, configuration: maintenance, logger: logger),
                MaintenanceLoop.leaseRecoverer(broker: broker, configuration: maintenance, logger: logger),
                MaintenanceLoop.janitor(broker: broker, configuration: maintenance, logger: logger),
            ]
        }
        services.append(processor)
        return services
    }
}
