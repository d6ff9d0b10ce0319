import ArgumentParser
import Foundation
import JobQueue
import Logging
import Redis
import ServiceLifecycle
import UnixSignals

/// `reelay worker`: takes jobs from Redis and runs them until SIGTERM/SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Take jobs from Redis and run them: N slots, leases renewed while jobs run, graceful shutdown.",
        discussion: """
            Needs Redis only, no database connection: run any number on any host. On SIGTERM or SIGINT it stops taking
            jobs, lets running ones finish within the shutdown grace, and puts the rest back without using an attempt.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("queues"), help: SettingsCatalog.workerQueues.argumentHelp) var queues: String?
    @Option(name: .customLong("strict-priority"), help: SettingsCatalog.workerStrictPriority.argumentHelp) var strictPriority: String?
    @Option(name: .customLong("concurrency"), help: SettingsCatalog.workerConcurrency.argumentHelp) var concurrency: String?
    @Option(name: .customLong("lease"), help: SettingsCatalog.workerLease.argumentHelp) var lease: String?
    @Option(name: .customLong("shutdown-grace"), help: SettingsCatalog.workerShutdownGrace.argumentHelp) var shutdownGrace: String?
    @Option(name: .customLong("job-timeout"), help: SettingsCatalog.workerJobTimeout.argumentHelp) var jobTimeout: String?
    @Option(name: .customLong("maintenance"), help: SettingsCatalog.workerMaintenance.argumentHelp) var maintenance: String?

    var workerFlags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.workerQueues, self.queues), (SettingsCatalog.workerStrictPriority, self.strictPriority),
            (SettingsCatalog.workerConcurrency, self.concurrency), (SettingsCatalog.workerLease, self.lease),
            (SettingsCatalog.workerShutdownGrace, self.shutdownGrace), (SettingsCatalog.workerJobTimeout, self.jobTimeout),
            (SettingsCatalog.workerMaintenance, self.maintenance),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    func run() async throws {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let workerID = "\(host):\(pid):\(UUID().uuidString.prefix(8).lowercased())"
        let (settings, workerSettings) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.workerFlags)
            return (try ReelaySettings(sources), try WorkerSettings(sources, workerID: workerID))
        }
        let worker = workerSettings.configuration
        let logger = settings.logger(label: "reelay.worker")
        var redisConfiguration = settings.redis
        // One blocking connection per slot for pickups, plus the ordinary pool for everything else.
        redisConfiguration.blockingPoolSize = max(redisConfiguration.blockingPoolSize, worker.concurrency)
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        var registry = JobRegistry()
        registry.registerBenchmarkJobs(client: redis)
        let broker = RedisJobBroker(client: redis)
        let processor = JobProcessor(broker: broker, registry: registry, configuration: worker, logger: logger)
        let announcement = WorkerRegistry(
            client: redis,
            identity: .init(
                workerID: workerID, host: host, pid: pid, version: ReelayCommand.version, queues: worker.queues.map(\.name),
                concurrency: worker.concurrency),
            logger: logger, inFlight: { processor.runningJobs })
        var services: [any Service] = [redis, announcement]
        if workerSettings.runsMaintenance {
            var maintenance = MaintenanceConfiguration()
            maintenance.queues = worker.queues.map(\.name)
            services += [
                MaintenanceLoop.forwarder(broker: broker, configuration: maintenance, logger: logger),
                MaintenanceLoop.leaseRecoverer(broker: broker, configuration: maintenance, logger: logger),
                MaintenanceLoop.janitor(broker: broker, configuration: maintenance, logger: logger),
            ]
        }
        services.append(processor)  // last: it shuts down first, while the client and the chores still run
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await FailureReport.exitingOnFailure(command: "worker") {
            try await ServiceGroup(configuration: configuration).run()
        }
    }
}
