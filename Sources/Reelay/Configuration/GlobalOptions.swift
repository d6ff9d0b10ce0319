import ArgumentParser
import Foundation

/// The settings flags every subcommand accepts; each one overrides its `REELAY_*` variable.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Read settings from an env-style file (see config/reelay.example.env).")
    var configFile: String?

    @Option(name: .customLong("redis-url"), help: SettingsCatalog.redisURL.argumentHelp)
    var redisURL: String?

    @Option(name: .customLong("redis-pool-size"), help: SettingsCatalog.redisPoolSize.argumentHelp)
    var redisPoolSize: String?

    @Option(name: .customLong("redis-connect-timeout"), help: SettingsCatalog.redisConnectTimeout.argumentHelp)
    var redisConnectTimeout: String?

    @Option(name: .customLong("redis-command-timeout"), help: SettingsCatalog.redisCommandTimeout.argumentHelp)
    var redisCommandTimeout: String?

    @Option(name: .customLong("database-url"), help: SettingsCatalog.databaseURL.argumentHelp)
    var databaseURL: String?

    @Option(name: .customLong("database-pool-size"), help: SettingsCatalog.databasePoolSize.argumentHelp)
    var databasePoolSize: String?

    @Option(name: .customLong("database-connect-timeout"), help: SettingsCatalog.databaseConnectTimeout.argumentHelp)
    var databaseConnectTimeout: String?

    @Option(name: .customLong("log-level"), help: SettingsCatalog.logLevel.argumentHelp)
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: SettingsCatalog.logFormat.argumentHelp)
    var logFormat: String?

    @Option(name: .customLong("otlp-endpoint"), help: SettingsCatalog.otlpEndpoint.argumentHelp)
    var otlpEndpoint: String?

    /// The flags that were given, by flag name.
    var flags: [String: String] {
        let pairs: [(SettingDefinition, String?)] = [
            (SettingsCatalog.redisURL, self.redisURL), (SettingsCatalog.redisPoolSize, self.redisPoolSize),
            (SettingsCatalog.redisConnectTimeout, self.redisConnectTimeout),
            (SettingsCatalog.redisCommandTimeout, self.redisCommandTimeout), (SettingsCatalog.databaseURL, self.databaseURL),
            (SettingsCatalog.databasePoolSize, self.databasePoolSize),
            (SettingsCatalog.databaseConnectTimeout, self.databaseConnectTimeout), (SettingsCatalog.logLevel, self.logLevel),
            (SettingsCatalog.logFormat, self.logFormat), (SettingsCatalog.otlpEndpoint, self.otlpEndpoint),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.flag, $0) } })
    }

    /// Merges flags, the environment, the config file and the defaults; on a bad value prints one line naming the
    /// variable and exits with code 2.
    func settings() throws -> ReelaySettings {
        try Self.exitingOnBadSettings { try ReelaySettings(try self.sources()) }
    }

    /// The setting sources: these flags plus `extraFlags` (a subcommand's own), the environment and the config file.
    func sources(extraFlags: [String: String] = [:]) throws(ConfigurationError) -> SettingSources {
        let file = try self.configFile.map { path throws(ConfigurationError) in try EnvironmentFile(contentsOf: path) }
        let sources = SettingSources(
            flags: self.flags.merging(extraFlags) { $1 }, environment: ProcessInfo.processInfo.environment, file: file)
        try sources.validateFile()
        return sources
    }

    /// Runs `body`; a ``ConfigurationError`` becomes one line on stderr and exit code 2.
    static func exitingOnBadSettings<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("reelay: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
