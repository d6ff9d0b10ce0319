import API
import ArgumentParser
import Domain
import Foundation
import JobQueue
import Logging
import Postgres
import Recorder
import Redis
import ServiceLifecycle
import TikTok
import UnixSignals

/// `reelay api`: the REST API, the OAuth callback, media upload, `/openapi.json` and `/docs`.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the REST API under /api/v1, the OAuth callback, media upload, /openapi.json and /docs.",
        discussion: "Any number of instances may run behind a load balancer. Talks to PostgreSQL and Redis.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("api-host"), help: SettingsCatalog.apiHost.argumentHelp) var host: String?
    @Option(name: .customLong("api-port"), help: SettingsCatalog.apiPort.argumentHelp) var port: String?
    @Option(name: .customLong("public-url"), help: SettingsCatalog.publicURL.argumentHelp) var publicURL: String?
    @Option(name: .customLong("media-root"), help: SettingsCatalog.mediaRoot.argumentHelp) var mediaRoot: String?
    @Option(name: .customLong("tiktok-api-url"), help: SettingsCatalog.tiktokAPIURL.argumentHelp) var tiktokAPIURL: String?
    @Option(name: .customLong("tiktok-auth-url"), help: SettingsCatalog.tiktokAuthURL.argumentHelp) var tiktokAuthURL: String?
    /// Fault injection for crash tests: `start-committed` kills the process (SIGKILL) after a campaign start commits
    /// its posts, before it pushes them to Redis.
    @Option(name: .customLong("crash-at"), help: .hidden) var crashAt: String?

    var flags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.apiHost, self.host), (SettingsCatalog.apiPort, self.port), (SettingsCatalog.publicURL, self.publicURL),
            (SettingsCatalog.mediaRoot, self.mediaRoot), (SettingsCatalog.tiktokAPIURL, self.tiktokAPIURL),
            (SettingsCatalog.tiktokAuthURL, self.tiktokAuthURL),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    func run() async throws {
        let (settings, parsedAPI, tiktok) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.flags)
            return (try ReelaySettings(sources), try APISettings(sources), try TikTokSettings(sources))
        }
        guard let cipher = tiktok.cipher else {
            FileHandle.standardError.write(Data("reelay api: REELAY_ENCRYPTION_KEY is not set: the API needs it to store account tokens\n".utf8))
            throw ExitCode(2)
        }
        var tiktokConfiguration = tiktok.configuration
        if tiktokConfiguration.redirectURI.isEmpty { tiktokConfiguration.redirectURI = parsedAPI.configuration.redirectURI }
        var api = parsedAPI
        switch self.crashAt {
        case nil: break
        case "start-committed": api.configuration.afterStartCommit = { kill(getpid(), SIGKILL) }
        default:
            FileHandle.standardError.write(Data("reelay api: invalid --crash-at '\(self.crashAt ?? "")' (start-committed)\n".utf8))
            throw ExitCode(2)
        }
        let logger = settings.logger(label: "reelay.api")
        Observability.bootstrapMetrics()
        api.configuration.metricsExposition = { Observability.metricsText() }
        let tracing = try settings.tracingServices(service: "reelay-api", logger: logger)
        api.configuration.tracing = !tracing.isEmpty
        let postgres = PostgresClient(configuration: settings.database, logger: logger)
        let redis = RedisClient(configuration: settings.redis, logger: logger)
        let client = TikTokClient(configuration: tiktokConfiguration, logger: logger)
        let services: [any Service] = tracing + [postgres, redis, client] + (try Self.services(
            api.configuration, postgres: postgres, redis: redis, tiktok: client, cipher: cipher, logger: logger))
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await FailureReport.exitingOnFailure(command: "api") {
            try await ServiceGroup(configuration: configuration).run()
        }
    }

    /// The API's services over running clients: the result recorder (workers' results streams → PostgreSQL) and the
    /// HTTP server. Also used by `reelay dev`.
    static func services(
        _ configuration: APIConfiguration, postgres: PostgresClient, redis: RedisClient, tiktok: TikTokClient, cipher: TokenCipher, logger: Logger
    ) throws -> [any Service] {
        let server = APIServer(configuration: configuration, postgres: postgres, redis: redis, tiktok: tiktok, cipher: cipher, logger: logger)
        var recording = RecorderConfiguration()
        recording.queues = [configuration.queue]
        recording.checkpointJobNames = [PublishVideo.jobName]
        let recorder = try ResultRecorder(
            broker: RedisJobBroker(client: redis), applier: ResultApplier(client: postgres, logger: logger), configuration: recording, logger: logger)
        // The queue's gauges (depth, oldest age) and its per-minute history for the dashboard; every API process runs
        // them, the history script keeps one snapshot per minute whatever the number of processes.
        var maintenance = MaintenanceConfiguration()
        maintenance.queues = [configuration.queue]
        let inspector = QueueInspector(client: redis)
        return [
            recorder, MaintenanceLoop.queueGauges(inspector: inspector, configuration: maintenance, logger: logger),
            MaintenanceLoop.queueHistory(inspector: inspector, configuration: maintenance, logger: logger), server,
        ]
    }
}
