import API
import ArgumentParser
import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Redis
import Scheduler
import ServiceLifecycle
import TikTok
import TikTokSandbox
import UnixSignals

/// `reelay dev`: the whole system in one process — the TikTok sandbox, the API (with its result recorder), the
/// scheduler and one worker — against the configured Redis and PostgreSQL, with the schema migrated first. The
/// quickest way to try Reelay; production runs each part as its own process.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run sandbox, api, scheduler and one worker in one process against the local Redis and PostgreSQL.",
        discussion: """
            Migrates the schema, then serves the API on --api-port and a local TikTok sandbox on --sandbox-port, which the API, the
            scheduler and the worker all talk to (REELAY_TIKTOK_* are ignored). Without REELAY_ENCRYPTION_KEY a key is made for this
            run only: tokens stored with it cannot be read after a restart. Mint a key with `reelay apikey create --role admin`.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("api-port"), help: SettingsCatalog.apiPort.argumentHelp) var apiPort: String?
    @Option(name: .customLong("sandbox-port"), help: "Port of the in-process TikTok sandbox (default 9400).") var sandboxPort = 9400
    @Option(name: .customLong("public-url"), help: "Base URL of the API (default http://127.0.0.1:<api-port>, or REELAY_PUBLIC_URL).") var publicURL: String?
    @Option(name: .customLong("media-root"), help: SettingsCatalog.mediaRoot.argumentHelp) var mediaRoot: String?
    @Option(name: .customLong("concurrency"), help: SettingsCatalog.workerConcurrency.argumentHelp) var concurrency: String?

    var flags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.apiPort, self.apiPort), (SettingsCatalog.publicURL, self.publicURL), (SettingsCatalog.mediaRoot, self.mediaRoot), (SettingsCatalog.workerConcurrency, self.concurrency),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    func validate() throws {
        guard (1...65_535).contains(self.sandboxPort) else { throw ValidationError("--sandbox-port must be 1…65535") }
    }

    func run() async throws {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let workerID = "\(host):\(pid):\(UUID().uuidString.prefix(8).lowercased())"
        var (settings, api, worker, scheduler, tiktok) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.flags)
            return (
                try ReelaySettings(sources), try APISettings(sources), try WorkerSettings(sources, workerID: workerID), try SchedulerSettings(sources),
                try TikTokSettings(sources)
            )
        }
        let logger = settings.logger(label: "reelay.dev")
        Observability.bootstrapMetrics()
        api.configuration.metricsExposition = { Observability.metricsText() }
        let tracing = try settings.tracingServices(service: "reelay-dev", logger: logger)
        api.configuration.tracing = !tracing.isEmpty
        if self.publicURL == nil, ProcessInfo.processInfo.environment["REELAY_PUBLIC_URL"] == nil {
            api.configuration.publicURL = "http://127.0.0.1:\(api.configuration.port)"
        }
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.port = self.sandboxPort
        sandboxConfiguration.processingTime = .seconds(1)
        let sandboxURL = "http://127.0.0.1:\(self.sandboxPort)"
        tiktok.configuration.apiBaseURL = sandboxURL
        tiktok.configuration.authBaseURL = sandboxURL
        tiktok.configuration.clientKey = sandboxConfiguration.clientKey
        tiktok.configuration.clientSecret = sandboxConfiguration.clientSecret
        tiktok.configuration.redirectURI = api.configuration.redirectURI
        if tiktok.cipher == nil {
            tiktok.cipher = try TokenCipher(keySetting: try EncryptionKeyring.generateKeyEntry(id: "dev"))
            logger.warning("REELAY_ENCRYPTION_KEY is not set: using a key for this run only; tokens stored now cannot be read after a restart")
        }
        guard let cipher = tiktok.cipher else { throw ExitCode(2) }
        // The scheduler runs the queue's maintenance; the worker does not repeat it.
        worker.runsMaintenance = false
        scheduler.publicURL = api.configuration.publicURL
        scheduler.configuration.queues = Array(Set(worker.configuration.queues.map(\.name) + [api.configuration.queue])).sorted()
        settings.redis.blockingPoolSize = max(settings.redis.blockingPoolSize, scheduler.configuration.queues.count + worker.configuration.queues.count + 2)

        let postgres = PostgresClient(configuration: settings.database, logger: logger)
        let redis = RedisClient(configuration: settings.redis, logger: logger)
        try await FailureReport.exitingOnFailure(command: "dev") {
            let applied = try await MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: logger).run()
            if !applied.isEmpty { logger.notice("schema migrated", metadata: ["versions": "\(applied)"]) }
        }
        let sandbox = SandboxServer(configuration: sandboxConfiguration, logger: logger)
        let client = TikTokClient(configuration: tiktok.configuration, logger: logger)
        var services: [any Service] = tracing + [postgres, redis, sandbox, client]
        services += try APICommand.services(api.configuration, postgres: postgres, redis: redis, tiktok: client, cipher: cipher, logger: logger)
        services.append(SchedulerCommand.service(scheduler, postgres: postgres, redis: redis, tiktok: client, cipher: cipher, logger: logger))
        services += WorkerOptions.services(
            worker, tiktok: tiktok, redis: redis, host: host, pid: pid, workerID: workerID, crashStep: nil, benchmarkJobs: false, logger: logger)
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        logger.notice(
            "reelay dev: API on \(api.configuration.publicURL), TikTok sandbox on \(sandboxURL); scheduler and worker running",
            metadata: ["queues": "\(scheduler.configuration.queues)"])
        try await FailureReport.exitingOnFailure(command: "dev") {
            try await ServiceGroup(configuration: configuration).run()
        }
    }
}
