import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TikTokSandbox
import UnixSignals

/// `reelay sandbox`: the local TikTok API, until SIGTERM/SIGINT.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local TikTok API (OAuth, Content Posting) with its limits, errors and fault injection, for tests and demos.",
        discussion: """
            One port serves the API (/v2/...), the authorize page (/v2/auth/authorize/) and the upload URLs. Inspection and
            fault injection live under /_sandbox (creators, tokens, posts, faults). Prints one line with its URL once listening;
            SIGTERM or SIGINT stops it gracefully (the --state file is written last).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to bind (loopback by default; 0.0.0.0 to serve a container's network).") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one).") var port = "9400"
    @Option(name: .customLong("state"), help: "JSON file that keeps creators, tokens, codes and posts across restarts.") var stateFile: String?
    @Flag(help: "Act as an unaudited client: SELF_ONLY posts to private accounts only, at most 5 posting users per 24 h.") var unaudited = false
    @Option(name: .customLong("client-key"), help: "The app's client key.") var clientKey = "sandbox-client-key"
    @Option(name: .customLong("client-secret"), help: "The app's client secret.") var clientSecret = "sandbox-client-secret"
    @Option(name: .customLong("processing-time"), help: "Seconds from the last byte to the final status (units allowed: 500ms, 2s).")
    var processingTime = "2"
    @Option(name: .customLong("upload-idle-timeout"), help: "Seconds a chunk's body may send nothing before the chunk is dropped (units allowed: 500ms, 30s).")
    var uploadIdleTimeout = "30"
    @Option(name: .customLong("verified-url-prefix"), help: "A PULL_FROM_URL prefix whose ownership counts as verified (repeatable).")
    var verifiedURLPrefixes: [String] = []
    @Flag(name: .customLong("allow-insecure-pull"), help: "Also pull from http:// and IP-address URLs (loopback tests only).")
    var allowInsecurePull = false

    func run() async throws {
        let (configuration, logger) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources()
            let level = try sources.read(SettingsCatalog.logLevel, SettingParsers.choice(Logger.Level.allCases.map(\.rawValue)))
            var logger = Logger(label: "reelay.sandbox", factory: { StreamLogHandler.standardError(label: $0) })
            logger.logLevel = Logger.Level(rawValue: level) ?? .info
            return (try self.sandboxConfiguration(), logger)
        }
        let server = SandboxServer(configuration: configuration, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(services: [server], logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: groupConfiguration)
        try await FailureReport.exitingOnFailure(command: "sandbox") {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    // Fails only when the server stopped before binding; group.run() reports that error.
                    guard let url = try? await server.baseURL() else { return }
                    FileHandle.standardOutput.write(Data("reelay sandbox: listening on \(url)\n".utf8))
                }
                try await tasks.waitForAll()
            }
        }
    }

    /// The flags as a ``SandboxConfiguration``; a bad value is a ``ConfigurationError`` naming the flag.
    func sandboxConfiguration() throws(ConfigurationError) -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.host = try Self.check("host", self.host) { $0.isEmpty ? "must not be empty" : nil }
        configuration.port = try Self.parse("port", self.port, SettingParsers.integer(in: 0...65_535))
        configuration.stateFile = try self.stateFile.map { path throws(ConfigurationError) in
            try Self.check("state", path) { $0.isEmpty ? "must be a file path" : nil }
        }
        configuration.unaudited = self.unaudited
        configuration.clientKey = try Self.check("client-key", self.clientKey) { $0.isEmpty ? "must not be empty" : nil }
        configuration.clientSecret = try Self.check("client-secret", self.clientSecret) { $0.isEmpty ? "must not be empty" : nil }
        configuration.processingTime = try Self.parse("processing-time", self.processingTime, SettingParsers.duration(in: .zero...(.seconds(3_600))))
        configuration.uploadIdleTimeout = try Self.parse(
            "upload-idle-timeout", self.uploadIdleTimeout, SettingParsers.duration(in: .milliseconds(1)...(.seconds(3_600))))
        configuration.allowInsecurePull = self.allowInsecurePull
        let schemes = self.allowInsecurePull ? ["https://", "http://"] : ["https://"]
        configuration.verifiedURLPrefixes = try self.verifiedURLPrefixes.map { prefix throws(ConfigurationError) in
            try Self.check("verified-url-prefix", prefix) { value in
                let hasScheme = schemes.contains { value.lowercased().hasPrefix($0) && value.count > $0.count }
                guard hasScheme, value.hasSuffix("/") else {
                    return "must look like https://host/path/ (scheme, host, path ending in /\(self.allowInsecurePull ? "; http allowed" : ""))"
                }
                return nil
            }
        }
        return configuration
    }

    private static func parse<Value>(_ flag: String, _ raw: String, _ parser: (String) -> Result<Value, SettingProblem>) throws(ConfigurationError) -> Value {
        switch parser(raw) {
        case .success(let value): return value
        case .failure(let problem): throw ConfigurationError(variable: "sandbox \(flag)", source: .flag(flag), problem: problem.message)
        }
    }

    private static func check(_ flag: String, _ raw: String, _ problem: (String) -> String?) throws(ConfigurationError) -> String {
        if let message = problem(raw) { throw ConfigurationError(variable: "sandbox \(flag)", source: .flag(flag), problem: "\(message), got '\(raw)'") }
        return raw
    }
}
