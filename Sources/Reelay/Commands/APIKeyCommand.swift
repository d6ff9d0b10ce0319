import API
import ArgumentParser
import Domain
import Foundation
import Postgres

/// `reelay apikey create|list|revoke`: API keys, stored hashed in PostgreSQL.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Create, list and revoke API keys (roles admin, editor, viewer); a new key's secret is shown once.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// `reelay apikey create --name N --role R`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make a key; prints its details, then the key alone on the last line of stdout (shown only this once).")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Who or what uses the key (1 to 200 characters).") var name: String
        @Option(help: "admin, editor or viewer.") var role: String = "viewer"

        func run() async throws {
            guard let role = APIKey.Role(rawValue: self.role) else {
                FileHandle.standardError.write(Data("reelay apikey create: --role must be admin, editor or viewer\n".utf8))
                throw ExitCode(2)
            }
            let settings = try GlobalOptions.exitingOnBadSettings { try self.global.settings() }
            let logger = settings.logger(label: "reelay.apikey")
            let name = self.name
            try await FailureReport.exitingOnFailure(command: "apikey create") {
                let client = PostgresClient(configuration: settings.database, logger: logger)
                try await OneShot.run(clients: [client], logger: logger) {
                    let minted = APIKeyMinter.mint()
                    let record: APIKey
                    do {
                        record = try await APIKeyRepository(client: client).create(name: name, prefix: minted.prefix, hash: minted.hash, role: role)
                    } catch let error as DomainError where error.code == .invalidInput {
                        let problems = error.details.map { "\($0.field) \($0.problem)" }.joined(separator: "; ")
                        FileHandle.standardError.write(Data("reelay apikey create: \(problems)\n".utf8))
                        throw ExitCode(2)
                    }
                    print("id      \(record.id.uuidString.lowercased())")
                    print("name    \(record.name)")
                    print("role    \(record.role.rawValue)")
                    print("prefix  \(record.prefix)")
                    print("The key follows; it is shown only now. Send it as: Authorization: Bearer <key>")
                    print(minted.key)
                }
            }
        }
    }

    /// `reelay apikey list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never their secrets).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try GlobalOptions.exitingOnBadSettings { try self.global.settings() }
            let logger = settings.logger(label: "reelay.apikey")
            try await FailureReport.exitingOnFailure(command: "apikey list") {
                let client = PostgresClient(configuration: settings.database, logger: logger)
                try await OneShot.run(clients: [client], logger: logger) {
                    for key in try await APIKeyRepository(client: client).list() {
                        let state = key.revokedAt != nil ? "revoked" : (key.isUsable(at: Date()) ? "active" : "expired")
                        print("\(key.id.uuidString.lowercased())  \(key.prefix)  \(key.role.rawValue)  \(state)  \(key.name)")
                    }
                }
            }
        }
    }

    /// `reelay apikey revoke <id>`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by id.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The key's id (from `reelay apikey list`).") var id: String

        func run() async throws {
            guard let id = UUID(uuidString: self.id) else {
                FileHandle.standardError.write(Data("reelay apikey revoke: '\(self.id.prefix(64))' is not a key id (a UUID)\n".utf8))
                throw ExitCode(2)
            }
            let settings = try GlobalOptions.exitingOnBadSettings { try self.global.settings() }
            let logger = settings.logger(label: "reelay.apikey")
            try await FailureReport.exitingOnFailure(command: "apikey revoke") {
                let client = PostgresClient(configuration: settings.database, logger: logger)
                try await OneShot.run(clients: [client], logger: logger) {
                    do {
                        let key = try await APIKeyRepository(client: client).revoke(id: id)
                        print("revoked \(key.prefix) (\(key.name))")
                    } catch let error as DomainError where error.code == .notFound {
                        FileHandle.standardError.write(Data("reelay apikey revoke: no key has id \(id.uuidString.lowercased())\n".utf8))
                        throw ExitCode(1)
                    }
                }
            }
        }
    }
}
