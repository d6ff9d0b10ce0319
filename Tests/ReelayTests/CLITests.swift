import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// Runs the built `reelay` binary as an operator would.
enum ReelayBinary {
    /// `reelay` sits beside the test bundle in the build folder.
    static let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("reelay").path

    /// Runs it with only `PATH` and `environment` set, so the developer's own REELAY_* variables cannot change the outcome.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess.Outcome {
        let base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        return try await ChildProcess.run([self.path] + arguments, environment: base.merging(environment) { $1 })
    }
}

@Suite struct CLIUsageTests {
    @Test func printsItsVersion() async throws {
        let outcome = try await ReelayBinary.run(["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func helpListsEverySubcommandOfTheArchitecture() async throws {
        let outcome = try await ReelayBinary.run(["--help"])
        #expect(outcome.status == 0)
        for command in ["api", "worker", "scheduler", "sandbox", "migrate", "dev", "demo", "queue", "bench", "apikey", "status"] {
            #expect(outcome.stdout.contains("  \(command)"), "\(command) missing from --help")
        }
    }

    /// `reelay api` refuses to start without the key that seals account tokens, naming the variable, with exit code 2.
    @Test func apiNeedsTheEncryptionKey() async throws {
        let outcome = try await ReelayBinary.run(["api"], environment: ["REELAY_ENCRYPTION_KEY": ""])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("REELAY_ENCRYPTION_KEY"))
    }

    @Test func schedulerNeedsTheEncryptionKey() async throws {
        let outcome = try await ReelayBinary.run(["scheduler"], environment: ["REELAY_ENCRYPTION_KEY": ""])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("REELAY_ENCRYPTION_KEY"))
        let bad = try await ReelayBinary.run(["scheduler", "--look-ahead", "1s"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("REELAY_SCHEDULER_LOOK_AHEAD"))
    }

    @Test func aBadSettingIsOneLineAndExit2() async throws {
        let outcome = try await ReelayBinary.run(["status"], environment: ["REELAY_REDIS_POOL_SIZE": "lots"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr == "reelay: invalid REELAY_REDIS_POOL_SIZE (from the environment): must be a whole number from 1 to 1024, got 'lots'\n")
    }

    @Test func aBadURLIsOneLineAndExit2() async throws {
        let outcome = try await ReelayBinary.run(["migrate", "--database-url", "mysql://root:hunter2@db/x"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("reelay: invalid REELAY_DATABASE_URL (from flag --database-url): "))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(!outcome.stderr.contains("hunter2"))
    }

    @Test func aConfigFileWithATypoIsRejected() async throws {
        let path = NSTemporaryDirectory() + "reelay-\(UUID().uuidString).env"
        try "REELAY_REDIS_URLL=redis://127.0.0.1:1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try await ReelayBinary.run(["status", "--config", path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("REELAY_REDIS_URLL"))
        #expect(outcome.stderr.contains("\(path):1"))
    }
}

@Suite struct CLIServerTests {
    /// A fresh database on the shared test server; returns its URL.
    func freshDatabase() async throws -> String {
        let url = try await TestEnvironment.postgresURL()
        let name = TestEnvironment.uniqueName("cli")
        let admin = PostgresClient(configuration: try PostgresConfiguration(url: url), logger: Logger(label: "test"))
        _ = try await admin.execute("CREATE DATABASE \(identifier: name)")
        await admin.shutdown()
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    @Test func migrateAppliesOnceThenStatusIsReady() async throws {
        let database = try await self.freshDatabase()
        let redis = try await TestEnvironment.redisURL()
        let environment = ["REELAY_DATABASE_URL": database, "REELAY_REDIS_URL": redis]
        let before = try await ReelayBinary.run(["status"], environment: environment)
        #expect(before.status == 1, "pending migrations make status fail")
        #expect(before.stdout.contains("pending"))
        let first = try await ReelayBinary.run(["migrate"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied  0001_initial"))
        let second = try await ReelayBinary.run(["migrate"], environment: environment)
        #expect(second.status == 0)
        #expect(second.stdout.contains("schema is up to date"))
        let status = try await ReelayBinary.run(["status"], environment: environment)
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("redis       ok"))
        #expect(status.stdout.contains("postgresql  ok"))
        #expect(!status.stdout.contains(PostgresServer.password))
    }

    @Test func anUnreachableDatabaseFailsWithinTheConnectTimeout() async throws {
        let outcome = try await ReelayBinary.run(
            ["migrate", "--database-url", "postgres://reelay:secret-pw@127.0.0.1:1/reelay", "--database-connect-timeout", "2s"])
        #expect(outcome.status == 1)
        #expect(outcome.elapsed < .seconds(8))
        #expect(outcome.stderr.contains("127.0.0.1:1"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(!outcome.stderr.contains("secret-pw"))
    }

    @Test func aWrongPasswordFailsAtOnceWithoutShowingIt() async throws {
        var components = URLComponents(string: try await TestEnvironment.postgresURL())!
        components.password = "wrong-password-123"
        let outcome = try await ReelayBinary.run(["migrate", "--database-url", components.string!, "--database-connect-timeout", "20s"])
        #expect(outcome.status == 1)
        #expect(outcome.elapsed < .seconds(10), "not retried until the 20 s connect timeout")
        #expect(!outcome.stderr.contains("wrong-password-123"))
        #expect(outcome.stderr.lowercased().contains("password") || outcome.stderr.lowercased().contains("authentication"))
    }

    @Test func aMissingDatabaseIsNamed() async throws {
        var components = URLComponents(string: try await TestEnvironment.postgresURL())!
        components.path = "/no_such_database_here"
        let outcome = try await ReelayBinary.run(["migrate", "--database-url", components.string!])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("no_such_database_here"))
    }

    @Test func anUnreachableRedisIsReportedByStatus() async throws {
        let database = try await TestEnvironment.postgresURL()
        let outcome = try await ReelayBinary.run(
            ["status", "--redis-url", "redis://:topsecret@127.0.0.1:1", "--redis-connect-timeout", "1s"],
            environment: ["REELAY_DATABASE_URL": database])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("redis       FAILED"))
        #expect(outcome.stdout.contains("127.0.0.1:1"))
        #expect(!outcome.stdout.contains("topsecret"))
        #expect(outcome.elapsed < .seconds(8))
    }
}
