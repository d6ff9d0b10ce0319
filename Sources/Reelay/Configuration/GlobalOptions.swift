import ArgumentParser
import Foundation

/// The settings flags every subcommand accepts; each one overrides its `REELAY_*` variable.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Read settings from an env-style file (see config/reelay.example.env).")
    var configFile: String?

    @Option(name: .customLong("redis-url"), help: ArgumentHelp("\(SettingsCatalog.redisURL.help) (env REELAY_REDIS_URL)"))
    var redisURL: String?

    @Option(name: .customLong("redis-pool-size"), help: "Redis connections (env REELAY_REDIS_POOL_SIZE, default 8).")
    var redisPoolSize: String?

    @Option(name: .customLong("redis-connect-timeout"), help: "Redis connect timeout (env REELAY_REDIS_CONNECT_TIMEOUT, default 2s).")
    var redisConnectTimeout: String?

    @Option(name: .customLong("redis-command-timeout"), help: "Redis reply timeout (env REELAY_REDIS_COMMAND_TIMEOUT, default 5s).")
    var redisCommandTimeout: String?

    @Option(name: .customLong("database-url"), help: ArgumentHelp("\(SettingsCatalog.databaseURL.help) (env REELAY_DATABASE_URL)"))
    var databaseURL: String?

    @Option(name: .customLong("database-pool-size"), help: "PostgreSQL connections (env REELAY_DATABASE_POOL_SIZE, default 8).")
    var databasePoolSize: String?

    @Option(name: .customLong("database-connect-timeout"), help: "PostgreSQL connect timeout (env REELAY_DATABASE_CONNECT_TIMEOUT, default 5s).")
    var databaseConnectTimeout: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env REELAY_LOG_LEVEL, default info).")
    var logLevel: String?

    /// The flags that were given, by flag name.
    var flags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.redisURL, self.redisURL), (SettingsCatalog.redisPoolSize, self.redisPoolSize),
            (SettingsCatalog.redisConnectTimeout, self.redisConnectTimeout),
            (SettingsCatalog.redisCommandTimeout, self.redisCommandTimeout), (SettingsCatalog.databaseURL, self.databaseURL),
            (SettingsCatalog.databasePoolSize, self.databasePoolSize),
            (SettingsCatalog.databaseConnectTimeout, self.databaseConnectTimeout), (SettingsCatalog.logLevel, self.logLevel),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    /// Merges flags, the environment, the config file and the defaults; on a bad value prints one line naming the
    /// variable and exits with code 2.
    func settings() throws -> ReelaySettings {
        do {
            let file = try self.configFile.map { path throws(ConfigurationError) in try EnvironmentFile(contentsOf: path) }
            let sources = SettingSources(flags: self.flags, environment: ProcessInfo.processInfo.environment, file: file)
            try sources.validateFile()
            return try ReelaySettings(sources)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("reelay: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
