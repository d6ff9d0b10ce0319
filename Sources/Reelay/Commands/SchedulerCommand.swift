import ArgumentParser
import Foundation
import JobQueue
import Logging
import Postgres
import Publishing
import Redis
import Scheduler
import ServiceLifecycle
import TikTok
import UnixSignals

/// `reelay scheduler`: fires timed campaigns and keeps the queue healthy. Several may run; one leads.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Fire due campaigns, promote delayed and retry jobs, recover expired leases, reconcile the outbox, refresh tokens.",
        discussion: """
            Several may run; one leads through a Redis lease with a fencing token (redis-cli GET reelay:scheduler:leader) and the
            others stand by, taking over within the lease time when the leader dies. Needs PostgreSQL, Redis, REELAY_ENCRYPTION_KEY
            (to sign media URLs and refresh tokens) and REELAY_PUBLIC_URL.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("scheduler-queues"), help: SettingsCatalog.schedulerQueues.argumentHelp) var queues: String?
    @Option(name: .customLong("scheduler-lease"), help: SettingsCatalog.schedulerLease.argumentHelp) var lease: String?
    @Option(name: .customLong("look-ahead"), help: SettingsCatalog.schedulerLookAhead.argumentHelp) var lookAhead: String?
    @Option(name: .customLong("misfire-window"), help: SettingsCatalog.schedulerMisfireWindow.argumentHelp) var misfireWindow: String?
    @Option(name: .customLong("outbox-grace"), help: SettingsCatalog.schedulerOutboxGrace.argumentHelp) var outboxGrace: String?
    @Option(name: .customLong("refresh-ahead"), help: SettingsCatalog.schedulerRefreshAhead.argumentHelp) var refreshAhead: String?
    @Option(name: .customLong("public-url"), help: SettingsCatalog.publicURL.argumentHelp) var publicURL: String?
    @Option(name: .customLong("tiktok-api-url"), help: SettingsCatalog.tiktokAPIURL.argumentHelp) var tiktokAPIURL: String?
    @Option(name: .customLong("metrics-port"), help: SettingsCatalog.metricsPort.argumentHelp) var metricsPort: String?

    var flags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.schedulerQueues, self.queues), (SettingsCatalog.schedulerLease, self.lease),
            (SettingsCatalog.schedulerLookAhead, self.lookAhead), (SettingsCatalog.schedulerMisfireWindow, self.misfireWindow),
            (SettingsCatalog.schedulerOutboxGrace, self.outboxGrace), (SettingsCatalog.schedulerRefreshAhead, self.refreshAhead),
            (SettingsCatalog.publicURL, self.publicURL), (SettingsCatalog.tiktokAPIURL, self.tiktokAPIURL),
            (SettingsCatalog.metricsPort, self.metricsPort),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    func run() async throws {
        let (settings, scheduler, tiktok) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.flags)
            return (try ReelaySettings(sources), try SchedulerSettings(sources), try TikTokSettings(sources))
        }
        guard let cipher = tiktok.cipher else {
            FileHandle.standardError.write(
                Data("reelay scheduler: REELAY_ENCRYPTION_KEY is not set: the scheduler needs it to sign media URLs and refresh tokens\n".utf8))
            throw ExitCode(2)
        }
        let logger = settings.logger(label: "reelay.scheduler")
        let metrics = settings.metricsServices(logger: logger)
        let tracing = try settings.tracingServices(service: "reelay-scheduler", logger: logger)
        var redisConfiguration = settings.redis
        // Blocking waits: one forwarder per queue.
        redisConfiguration.blockingPoolSize = max(redisConfiguration.blockingPoolSize, scheduler.configuration.queues.count + 1)
        let postgres = PostgresClient(configuration: settings.database, logger: logger)
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let client = TikTokClient(configuration: tiktok.configuration, logger: logger)
        let service = Self.service(scheduler, postgres: postgres, redis: redis, tiktok: client, cipher: cipher, logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: tracing + [postgres, redis, client] + metrics + [service], logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await FailureReport.exitingOnFailure(command: "scheduler") {
            try await ServiceGroup(configuration: configuration).run()
        }
    }

    /// The scheduler service over running clients (also used by `reelay dev`).
    static func service(
        _ settings: SchedulerSettings, postgres: PostgresClient, redis: RedisClient, tiktok: TikTokClient, cipher: TokenCipher, logger: Logger
    ) -> SchedulerService {
        let factory = PostJobFactory(signer: MediaURLSigner.current(cipher.keyring), publicURL: settings.publicURL)
        let enqueuer = PostEnqueuer(postgres: postgres, redis: redis, factory: factory, logger: logger)
        let refresher = TokenRefresher(postgres: postgres, redis: redis, tiktok: tiktok, cipher: cipher, clock: RedisClock(client: redis), logger: logger)
        return SchedulerService(
            configuration: settings.configuration, postgres: postgres, redis: redis, enqueuer: enqueuer, refresher: refresher, logger: logger)
    }
}
