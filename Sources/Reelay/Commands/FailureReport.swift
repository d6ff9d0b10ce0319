import ArgumentParser
import Domain
import Foundation
import JobQueue
import Postgres
import Redis

/// Turns a runtime failure into one line on stderr and exit code 1 (exit code 2 stays for bad usage and configuration).
enum FailureReport {
    /// Runs `body`; an error other than an exit request is printed as `reelay <command>: <what went wrong>`.
    static func exitingOnFailure(command: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("reelay \(command): \(Self.oneLine(error))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The most useful single line for an operator: the drivers' detailed text (which never holds a password).
    static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let redis as RedisError: text = "Redis: " + redis.debugDescription
        case let postgres as PostgresError: text = "PostgreSQL: " + postgres.debugDescription
        case let queue as JobQueueError: text = queue.debugDescription
        case let domain as DomainError: text = domain.debugDescription
        default: text = String(describing: error)
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
