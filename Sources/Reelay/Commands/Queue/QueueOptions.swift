import ArgumentParser
import Foundation
import JobQueue
import Redis

/// The options every `reelay queue` subcommand shares besides the global settings.
struct QueueOptions: ParsableArguments {
    @Option(name: .customLong("queue"), help: "The queue: 1 to 64 of a-z, 0-9, _ and -.")
    var queue = "publish"

    @Flag(name: .customLong("json"), help: "Print JSON instead of a table.")
    var json = false

    /// The queue's keys; a bad name is a usage error (exit 2).
    func keys(command: String) throws -> QueueKeys {
        do {
            return try QueueKeys(queue: self.queue)
        } catch {
            throw QueueUsage.fail(command, "bad queue name '\(self.queue.prefix(80))': use 1 to 64 of a-z, 0-9, _ and -")
        }
    }
}

/// Bad input to a `reelay queue` subcommand: one line on stderr, exit 2.
enum QueueUsage {
    /// Prints `reelay queue <command>: <message>` and returns the exit to throw.
    static func fail(_ command: String, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("reelay queue \(command): \(message)\n".utf8))
        return ExitCode(2)
    }

    /// Parses job ids given on the command line; a malformed one is a usage error.
    static func jobIDs(_ texts: [String], command: String) throws -> [JobID] {
        try texts.map { text in
            guard let id = try? JobID(parsing: text) else { throw Self.fail(command, "'\(text.prefix(64))' is not a job id (a UUID)") }
            return id
        }
    }

    /// Parses a whole number in `range` given as text; anything else is a usage error.
    static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>, command: String) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw Self.fail(command, "--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text.prefix(32))'")
        }
        return value
    }
}

/// Runs the body of a `reelay queue` subcommand with an inspector over the configured Redis, inside one service group;
/// a failure is one line on stderr and exit 1.
enum QueueRun {
    static func run(
        _ command: String, global: GlobalOptions, _ body: @escaping @Sendable (QueueInspector, RedisCLI) async throws -> Void
    ) async throws {
        let settings = try global.settings()
        let logger = settings.logger(label: "reelay.queue")
        let redis = settings.redis
        try await FailureReport.exitingOnFailure(command: "queue \(command)") {
            let client = RedisClient(configuration: redis, logger: logger)
            try await OneShot.run(clients: [client], logger: logger) {
                try await body(QueueInspector(client: client), RedisCLI(redis))
            }
        }
    }

    /// Prints `value` as sorted, indented JSON with ISO 8601 dates.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
