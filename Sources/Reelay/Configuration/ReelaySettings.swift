import Foundation
import Logging
import ServiceLifecycle
import Postgres
import Redis

/// Every setting of a Reelay process, parsed and checked: built once at start-up from ``SettingSources`` and handed to
/// the modules as their own configuration structs.
struct ReelaySettings {
    /// The Redis broker.
    var redis: RedisConfiguration
    /// The PostgreSQL records.
    var database: PostgresConfiguration
    /// Least severe log level printed.
    var logLevel: Logger.Level
    /// How log lines are written.
    var logFormat: Observability.LogFormat
    /// The worker's or scheduler's metrics server port (nil: none).
    var metricsPort: Int?
    /// Where traces go (nil: no tracing).
    var otlpEndpoint: String?

    /// Reads and checks every setting; the first bad one throws, naming its variable and source.
    init(_ sources: SettingSources) throws(ConfigurationError) {
        var redis = try sources.read(SettingsCatalog.redisURL) { raw in
            Result { try RedisConfiguration(url: raw) }.mapError { SettingProblem(Self.reason($0)) }
        }
        redis.poolSize = try sources.read(SettingsCatalog.redisPoolSize, SettingParsers.integer(in: 1...1024))
        redis.connectTimeout = try sources.read(SettingsCatalog.redisConnectTimeout, SettingParsers.duration(in: .milliseconds(10)...(.seconds(300))))
        redis.commandTimeout = try sources.read(SettingsCatalog.redisCommandTimeout, SettingParsers.duration(in: .milliseconds(10)...(.seconds(300))))
        redis.acquireTimeout = redis.connectTimeout
        self.redis = redis

        var database = try sources.read(SettingsCatalog.databaseURL) { raw in
            Result { try PostgresConfiguration(url: raw) }.mapError { SettingProblem(Self.reason($0)) }
        }
        database.poolSize = try sources.read(SettingsCatalog.databasePoolSize, SettingParsers.integer(in: 1...1024))
        database.connectTimeout = try sources.read(SettingsCatalog.databaseConnectTimeout, SettingParsers.duration(in: .seconds(1)...(.seconds(300))))
        database.acquireTimeout = database.connectTimeout
        self.database = database

        let levels = Logger.Level.allCases.map(\.rawValue)
        let level = try sources.read(SettingsCatalog.logLevel, SettingParsers.choice(levels))
        self.logLevel = Logger.Level(rawValue: level) ?? .info
        let format = try sources.read(SettingsCatalog.logFormat, SettingParsers.choice(Observability.LogFormat.allCases.map(\.rawValue)))
        self.logFormat = Observability.LogFormat(rawValue: format) ?? .json
        let port = try sources.read(SettingsCatalog.metricsPort, SettingParsers.integer(in: 0...65535))
        self.metricsPort = port == 0 ? nil : port
        let endpoint = try sources.read(SettingsCatalog.otlpEndpoint) { (raw: String) -> Result<String, SettingProblem> in
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard text.isEmpty || ((text.hasPrefix("http://") || text.hasPrefix("https://")) && URL(string: text)?.host != nil) else {
                return .failure(SettingProblem("must be an http:// or https:// URL, or empty"))
            }
            return .success(text)
        }
        self.otlpEndpoint = endpoint.isEmpty ? nil : endpoint
    }

    /// A driver's parse error as words for the operator (the drivers' descriptions never contain passwords).
    private static func reason(_ error: any Error) -> String { "\(error)" }

    /// A logger writing to standard error at the configured level, in the configured format; the first call also makes
    /// that format the process's default (for the loggers libraries make themselves).
    func logger(label: String) -> Logger {
        Observability.bootstrapLogging(self.logFormat)
        var logger = Logger(label: label, factory: Observability.handlerFactory(self.logFormat))
        logger.logLevel = self.logLevel
        return logger
    }

    /// The worker's or scheduler's metrics server, when a port is set; installs the metrics backend either way.
    func metricsServices(logger: Logger) -> [any Service] {
        Observability.bootstrapMetrics()
        guard let port = self.metricsPort else { return [] }
        return [MetricsServer(host: "0.0.0.0", port: port, logger: logger)]
    }

    /// The tracer's exporter service when `REELAY_OTLP_ENDPOINT` is set (installing the tracer), none otherwise.
    func tracingServices(service: String, logger: Logger) throws -> [any Service] {
        try Observability.tracingServices(endpoint: self.otlpEndpoint, service: service, logger: logger)
    }
}
