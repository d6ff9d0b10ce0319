import Foundation

/// How to reach PostgreSQL and how the client's pool behaves. Libraries never read the environment: the `Reelay`
/// entry point builds this from flags, `REELAY_*` variables and these defaults.
///
/// Timeouts: connecting is bounded by ``connectTimeout`` (libpq `connect_timeout`). A running statement is bounded by
/// ``statementTimeout`` on the server side (`statement_timeout`), and a dead peer is noticed through TCP keepalives
/// (`keepalives=1`, idle 30 s, interval 10 s, 3 probes), because libpq's blocking calls have no client-side timeout.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// libpq connection keywords other than the ones modelled below (`host`, `port`, `dbname`, `user`, `password`,
    /// `sslmode`, …), exactly as parsed from the URL or keyword string.
    public var parameters: [String: String]
    /// How long one connection attempt may take. Default 5 s. Sent as libpq `connect_timeout` in whole seconds (at least 2,
    /// libpq's own minimum).
    public var connectTimeout: Duration = .seconds(5)
    /// The most connections open at once; also the number of threads that run the blocking libpq calls. Default 8.
    public var poolSize: Int = 8
    /// How long a query waits for a free connection, or keeps retrying a refused connect, before failing. Default 5 s.
    public var acquireTimeout: Duration = .seconds(5)
    /// The server-side limit on one statement (`statement_timeout`); `nil` (the default) means the server's setting.
    public var statementTimeout: Duration?
    /// Shown in `pg_stat_activity`. Default `"reelay"`.
    public var applicationName: String = "reelay"
    /// Run-time settings applied to every connection at start-up (sent as `-c name=value` options), e.g. `search_path`.
    public var runtimeParameters: [String: String] = [:]

    /// A configuration from discrete fields; everything else keeps its default.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        self.parameters = ["host": host, "port": String(port), "user": username, "dbname": database]
        if let password { self.parameters["password"] = password }
    }

    /// Parses a `postgres://` or `postgresql://` URL, or a libpq keyword string (`host=… port=… dbname=…`).
    ///
    /// The string is checked by libpq's own parser (`PQconninfoParse`). `connect_timeout` and `application_name`, when
    /// present, set ``connectTimeout`` and ``applicationName``; every other keyword lands in ``parameters``.
    /// - Throws: ``PostgresError`` with code `invalidURL`; its message never repeats the password.
    public init(url: String) throws(PostgresError) {
        let trimmed = url.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw PostgresError(.invalidURL, message: "the connection string is empty") }
        let isURI = trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://")
        guard isURI || trimmed.contains("=") else {
            throw PostgresError(.invalidURL, message: "expected a postgres:// or postgresql:// URL, or libpq keywords like host=… dbname=…")
        }
        var parameters = try Self.parseConnectionString(trimmed)
        if let port = parameters["port"], port.split(separator: ",").contains(where: { Int($0).map { !(1...65535).contains($0) } ?? true }) {
            throw PostgresError(.invalidURL, message: "invalid port \"\(port)\"")
        }
        if let timeout = parameters.removeValue(forKey: "connect_timeout") {
            guard let seconds = Int(timeout), seconds >= 0 else { throw PostgresError(.invalidURL, message: "invalid connect_timeout \"\(timeout)\"") }
            self.connectTimeout = .seconds(seconds)
        }
        if let name = parameters.removeValue(forKey: "application_name") { self.applicationName = name }
        self.parameters = parameters
    }

    /// `host:port/database`, for messages; never includes credentials.
    public var endpoint: String {
        let host = self.parameters["host"] ?? self.parameters["hostaddr"] ?? "localhost"
        let port = self.parameters["port"] ?? "5432"
        let database = self.parameters["dbname"] ?? self.parameters["user"] ?? "postgres"
        return "\(host):\(port)/\(database)"
    }

    /// The configuration as a keyword string with the password replaced by `***`, safe to log.
    public var redacted: String {
        self.parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.key == "password" ? "***" : Self.quoteKeywordValue($0.value))" }
            .joined(separator: " ")
    }

    /// Same as ``redacted``.
    public var description: String { self.redacted }

    /// Every keyword passed to `PQconnectdbParams`: the parsed ones plus timeouts, keepalives, encoding and settings.
    var connectionKeywords: [(String, String)] {
        var keywords = self.parameters
        let seconds = Int((Double(self.connectTimeout.components.seconds) + Double(self.connectTimeout.components.attoseconds) / 1e18).rounded(.up))
        keywords["connect_timeout"] = String(max(2, seconds))
        keywords["application_name"] = self.applicationName
        keywords["client_encoding"] = "UTF8"
        for (key, value) in [("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3")] {
            keywords[key] = keywords[key] ?? value
        }
        // Decoding relies on these output formats, so they are set last and win over the caller's own options.
        var settings = self.runtimeParameters
        settings["DateStyle"] = "ISO, MDY"
        settings["TimeZone"] = "UTC"
        settings["bytea_output"] = "hex"
        settings["extra_float_digits"] = "3"
        if let timeout = self.statementTimeout {
            settings["statement_timeout"] = String(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        }
        let options = settings.sorted { $0.key < $1.key }.map { "-c \(Self.escapeOption($0.key))=\(Self.escapeOption($0.value))" }
        keywords["options"] = ([keywords["options"]].compactMap { $0 } + options).joined(separator: " ")
        return keywords.sorted { $0.key < $1.key }
    }

    /// In the `options` keyword, spaces and backslashes inside a value are escaped with a backslash.
    private static func escapeOption(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == " " || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    private static func quoteKeywordValue(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
