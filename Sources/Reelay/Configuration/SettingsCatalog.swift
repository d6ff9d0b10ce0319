import ArgumentParser

/// One configurable value: its variable, its flag, its default and what it means. `config/reelay.example.env` lists
/// every entry of ``SettingsCatalog/all`` (a test keeps the two in step).
struct SettingDefinition: Sendable, Equatable {
    /// The environment variable, `REELAY_…`.
    var variable: String
    /// The command-line flag without its dashes.
    var flag: String
    /// The value used when nothing sets it.
    var defaultValue: String
    /// One sentence for `--help` and the example file.
    var help: String
}

extension SettingDefinition {
    /// The flag's `--help` text: meaning, variable and default, all from this definition.
    var argumentHelp: ArgumentHelp { ArgumentHelp("\(self.help) (env \(self.variable), default \(self.defaultValue))") }
}

/// Every setting Reelay reads, in the order the example file lists them.
enum SettingsCatalog {
    static let redisURL = SettingDefinition(
        variable: "REELAY_REDIS_URL", flag: "redis-url", defaultValue: "redis://127.0.0.1:6379",
        help: "Redis broker: redis://[user:password@]host:port[/db] or unix:///path/to/redis.sock[?db=N].")
    static let redisPoolSize = SettingDefinition(
        variable: "REELAY_REDIS_POOL_SIZE", flag: "redis-pool-size", defaultValue: "8",
        help: "Redis connections for ordinary commands (blocking pops use their own, extra connections).")
    static let redisConnectTimeout = SettingDefinition(
        variable: "REELAY_REDIS_CONNECT_TIMEOUT", flag: "redis-connect-timeout", defaultValue: "2s",
        help: "Longest wait for one Redis connect (units: ms, s, m).")
    static let redisCommandTimeout = SettingDefinition(
        variable: "REELAY_REDIS_COMMAND_TIMEOUT", flag: "redis-command-timeout", defaultValue: "5s",
        help: "Longest wait for one Redis reply before the connection is dropped.")
    static let databaseURL = SettingDefinition(
        variable: "REELAY_DATABASE_URL", flag: "database-url", defaultValue: "postgres://reelay@127.0.0.1:5432/reelay",
        help: "PostgreSQL: postgres://user[:password]@host:port/dbname or a libpq keyword string.")
    static let databasePoolSize = SettingDefinition(
        variable: "REELAY_DATABASE_POOL_SIZE", flag: "database-pool-size", defaultValue: "8",
        help: "PostgreSQL connections per process.")
    static let databaseConnectTimeout = SettingDefinition(
        variable: "REELAY_DATABASE_CONNECT_TIMEOUT", flag: "database-connect-timeout", defaultValue: "5s",
        help: "Longest wait for one PostgreSQL connect; also how long a pool keeps retrying an unreachable server.")
    static let logLevel = SettingDefinition(
        variable: "REELAY_LOG_LEVEL", flag: "log-level", defaultValue: "info",
        help: "Least severe log level printed: trace, debug, info, notice, warning, error or critical.")

    /// All settings.
    static let all: [SettingDefinition] = [
        redisURL, redisPoolSize, redisConnectTimeout, redisCommandTimeout,
        databaseURL, databasePoolSize, databaseConnectTimeout, logLevel,
    ]
}
