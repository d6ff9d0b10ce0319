import ArgumentParser
import Foundation
import Domain
import JobQueue
import Postgres
import Publishing
import Redis
import Logging
import Synchronization

/// `reelay status`: can this process reach its servers, and is the schema current?
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check Redis, PostgreSQL and the schema; exit 1 if any of them is not ready.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try self.global.settings()
        let logger = settings.logger(label: "reelay.status")
        let redis = RedisClient(configuration: settings.redis, logger: logger)
        let postgres = PostgresClient(configuration: settings.database, logger: logger)
        let lines = StatusLines()
        try await OneShot.run(clients: [redis, postgres], logger: logger) {
            async let redisLine = Self.check("redis", settings.redis.redacted) { try await Self.redisVersion(redis) }
            async let postgresLine = Self.check("postgresql", settings.database.redacted) { try await Self.postgresVersion(postgres) }
            async let schemaLine = Self.check("schema", "") { try await Self.schemaState(postgres, logger: logger) }
            async let policyWarning = Self.evictionWarning(redis)
            async let schedulerLines = Self.schedulerLines(redis)
            lines.set([await redisLine, await postgresLine, await schemaLine] + (await policyWarning.map { [$0] } ?? []) + (await schedulerLines))
        }
        let results = lines.get()
        for line in results { print(line.text) }
        if results.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    private static func check(_ name: String, _ target: String, _ probe: () async throws -> String) async -> StatusLine {
        let started = ContinuousClock.now
        let padded = name.padding(toLength: 11, withPad: " ", startingAt: 0)
        do {
            let detail = try await probe()
            let elapsed = String(format: "%.1f ms", (ContinuousClock.now - started).inSeconds * 1000)
            return StatusLine(ok: true, text: "\(padded) ok      \(target.isEmpty ? "" : target + "  ")\(detail) (\(elapsed))")
        } catch {
            return StatusLine(ok: false, text: "\(padded) FAILED  \(target.isEmpty ? "" : target + "  ")\(FailureReport.oneLine(error))")
        }
    }

    private static func redisVersion(_ redis: RedisClient) async throws -> String {
        let info = try await redis.send(["INFO", "server"]).string ?? ""
        let version = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }?.dropFirst("redis_version:".count)
        return "Redis \(version.map(String.init) ?? "?")"
    }

    /// A warning line when Redis may evict keys: the queue needs `maxmemory-policy noeviction`, because an evicted job
    /// hash, lease or list loses jobs. Nil when the policy is `noeviction`, or when Redis cannot be asked (the Redis line
    /// already says so). A warning does not change the exit status.
    static func evictionWarning(_ redis: RedisClient) async -> StatusLine? {
        let label = "warning".padding(toLength: 11, withPad: " ", startingAt: 0)
        let policy: String
        do {
            let reply = try await redis.send(["CONFIG", "GET", "maxmemory-policy"])
            guard let value = reply.array?.last?.string else { return nil }
            policy = value
        } catch let error as RedisError where error.code == .server {
            return StatusLine(ok: true, text: "\(label) could not read Redis maxmemory-policy (CONFIG GET refused); it must be noeviction")
        } catch {
            return nil
        }
        guard policy != "noeviction" else { return nil }
        let text = "\(label) Redis maxmemory-policy is \(policy), not noeviction: Redis may evict job hashes, leases or lists and lose jobs"
        return StatusLine(ok: true, text: text)
    }

    /// The recorder's lag beyond which `reelay status` warns: a tenth of the completed-job retention (24 h). The outbox
    /// reconciler can tell a job that ran only while its hash, its results entry or its recorded events remain; the
    /// recorder must stay far inside the retention.
    static let recorderLagWarning: Int64 = 86_400_000 / 10

    /// The scheduler's line (leader, lag, stuck posts) and warnings: no leader, stale figures, a lagging recorder. A
    /// warning does not change the exit status (a deployment may run no scheduler on purpose for a while).
    static func schedulerLines(_ redis: RedisClient) async -> [StatusLine] {
        let label = "scheduler".padding(toLength: 11, withPad: " ", startingAt: 0)
        let warning = "warning".padding(toLength: 11, withPad: " ", startingAt: 0)
        // The leader stamps its figures with Redis's time: judge their age by it too, not by this host's clock.
        guard let now = try? await RedisClock(client: redis).now(), let report = try? await SchedulerReport.read(redis: redis, now: now) else { return [] }
        guard let leader = report.leader else {
            return [StatusLine(ok: true, text: "\(warning) no scheduler leads: timed posts do not fire and due retries wait (start `reelay scheduler`)")]
        }
        var lines = [
            StatusLine(
                ok: true,
                text: "\(label) \(report.state == "ok" ? "ok    " : report.state)  leader \(leader), term \(report.fencingToken ?? 0), lag "
                    + "\(report.lagMilliseconds ?? 0) ms, stuck past due \(report.stuckPastDue ?? 0), recorder lag \(report.recorderLagMilliseconds ?? 0) ms")
        ]
        if let lag = report.recorderLagMilliseconds, lag > Self.recorderLagWarning {
            lines.append(
                StatusLine(
                    ok: true,
                    text: "\(warning) the result recorder is \(lag / 60_000) min behind; it must stay far inside the 24 h completed-job retention "
                        + "(start more `reelay api` processes, or look at their logs)"))
        }
        if (report.stuckPastDue ?? 0) > 0 {
            lines.append(StatusLine(ok: true, text: "\(warning) \(report.stuckPastDue ?? 0) post(s) due more than a minute ago are not running yet"))
        }
        return lines
    }

    private static func postgresVersion(_ postgres: PostgresClient) async throws -> String {
        let row = try await postgres.query("SELECT current_setting('server_version') AS version").first
        return "PostgreSQL \(try row?.decode("version", as: String.self) ?? "?")"
    }

    private static func schemaState(_ postgres: PostgresClient, logger: Logger) async throws -> String {
        let runner = MigrationRunner(client: postgres, migrations: try SchemaMigrations.all(), logger: logger)
        let applied = try await runner.applied()
        let pending = try await runner.pending()
        guard pending.isEmpty else {
            throw StatusProblem(description: "\(applied.count) migration(s) applied, \(pending.count) pending: run `reelay migrate`")
        }
        return "\(applied.count) migration(s) applied, none pending"
    }
}

private struct StatusProblem: Error, CustomStringConvertible { var description: String }

struct StatusLine: Sendable {
    var ok: Bool
    var text: String
}

/// Carries the lines out of the one-shot service to the command.
private final class StatusLines: Sendable {
    private let lines = Mutex<[StatusLine]>([])
    func set(_ lines: [StatusLine]) { self.lines.withLock { $0 = lines } }
    func get() -> [StatusLine] { self.lines.withLock { $0 } }
}
