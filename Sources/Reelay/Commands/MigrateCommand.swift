import ArgumentParser
import Domain
import Postgres

/// `reelay migrate`: brings the PostgreSQL schema up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the SQL migrations to PostgreSQL in order, each once, each in a transaction, under an advisory lock.",
        discussion: "Safe to run from several hosts at once: one applies, the others wait and then find nothing to do.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("status"), help: "List applied and pending migrations; change nothing.")
    var statusOnly = false

    func run() async throws {
        let settings = try self.global.settings()
        let logger = settings.logger(label: "reelay.migrate")
        let statusOnly = self.statusOnly
        try await FailureReport.exitingOnFailure(command: "migrate") {
            let migrations = try SchemaMigrations.all()
            let client = PostgresClient(configuration: settings.database, logger: logger)
            try await OneShot.run(clients: [client], logger: logger) {
                let runner = MigrationRunner(client: client, migrations: migrations, logger: logger)
                if statusOnly {
                    for applied in try await runner.applied() {
                        print("applied  \(Self.label(applied.version, applied.name))  \(applied.appliedAt)")
                    }
                    for pending in try await runner.pending() { print("pending  \(Self.label(pending.version, pending.name))") }
                    return
                }
                let applied = try await runner.run()
                let names = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.name) })
                for version in applied { print("applied  \(Self.label(version, names[version] ?? ""))") }
                print(applied.isEmpty ? "schema is up to date (\(migrations.count) migrations)" : "applied \(applied.count) migration(s)")
            }
        }
    }

    static func label(_ version: Int, _ name: String) -> String {
        let number = String(version)
        return String(repeating: "0", count: max(0, 4 - number.count)) + number + "_" + name
    }
}
