import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster (initdb + postgres) on a free loopback port, for tests.
///
/// The superuser is `reelay` with password ``password``; TCP connections need the password (scram-sha-256), so tests
/// can check wrong-password handling. When the tests run as root, the server runs as the `postgres` user (PostgreSQL
/// refuses root) on a folder that user owns.
public final class PostgresServer: Sendable {
    /// The superuser's password.
    public static let password = "reelay-test-password"
    /// The port it listens on (kept across restarts).
    public let port: Int
    /// The cluster's data folder.
    public let dataDirectory: String
    private let binDirectory: String
    private let process: LockedBox<WatchedProcess?>

    /// `postgres://reelay:…@127.0.0.1:port/reelay`.
    public var url: String { self.url(database: "reelay") }

    /// The URL of another database on the same server.
    public func url(database: String) -> String { "postgres://reelay:\(Self.password)@127.0.0.1:\(self.port)/\(database)" }

    private init(port: Int, dataDirectory: String, binDirectory: String) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.binDirectory = binDirectory
        self.process = LockedBox(nil)
    }

    /// Creates a cluster with a `reelay` database, starts it and waits until it accepts connections.
    public static func start() async throws -> PostgresServer {
        let bin = try Self.findBinDirectory()
        let root = try Host.temporaryDirectory("reelay-pg")
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let passwordFile = root + "/pw"
        try Self.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if geteuid() == 0 {
            guard let user = getpwnam("postgres") else { throw TestServerError("running as root but no `postgres` user to run PostgreSQL") }
            for path in [root, data, passwordFile] { chown(path, user.pointee.pw_uid, user.pointee.pw_gid) }
        }
        chmod(data, 0o700)
        try await Host.run(
            Self.asServerUser([
                "\(bin)/initdb", "-D", data, "-U", "reelay", "--pwfile=\(passwordFile)", "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ]))
        let server = PostgresServer(port: try Host.freePort(), dataDirectory: data, binDirectory: bin)
        try await server.start()
        try await Host.run(Self.asServerUser(["\(bin)/createdb", "-h", data, "-p", String(server.port), "-U", "reelay", "reelay"]))
        return server
    }

    /// Creates and starts a cluster, runs `body` with it and stops it, also when `body` throws (then `body`'s error is
    /// the one thrown, and a failure to stop is dropped); returns what `body` returned.
    public static func with<Result>(_ body: (PostgresServer) async throws -> Result) async throws -> Result {
        let server = try await PostgresServer.start()
        let result: Result
        do {
            result = try await body(server)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
        return result
    }

    /// (Re)starts the server on the same port and data folder.
    public func start() async throws {
        let arguments = Self.asServerUser([
            "\(self.binDirectory)/postgres", "-D", self.dataDirectory, "-p", String(self.port), "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=\(self.dataDirectory)", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=200",
        ])
        let process = try WatchedProcess(arguments: arguments, logPath: NSTemporaryDirectory() + "reelay-pg-\(self.port).log")
        self.process.set(process)
        try await eventually("PostgreSQL on port \(self.port)") {
            (try? await Host.run(["\(self.binDirectory)/pg_isready", "-q", "-h", "127.0.0.1", "-p", String(self.port)])) != nil
        }
    }

    /// Stops the server (`pg_ctl stop -m fast`: open sessions are cut) and waits until it exited.
    public func stop() async throws {
        guard let process = self.process.get(), process.isRunning else { return }
        _ = try? await Host.run(Self.asServerUser(["\(self.binDirectory)/pg_ctl", "stop", "-D", self.dataDirectory, "-m", "fast", "-w"]))
        try await process.waitUntilExited()
    }

    /// Creates a database on this server and returns its URL.
    public func createDatabase(_ name: String) async throws -> String {
        try await Host.run(Self.asServerUser(["\(self.binDirectory)/createdb", "-h", self.dataDirectory, "-p", String(self.port), "-U", "reelay", name]))
        return self.url(database: name)
    }

    /// The versioned `bin` folder of Debian's postgresql package (or `REELAY_PG_BIN`).
    static func findBinDirectory() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["REELAY_PG_BIN"], !bin.isEmpty { return bin }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw TestServerError("PostgreSQL server binaries not found under \(root): run `make test`, or apt-get install postgresql")
    }

    /// Prefixes a command so that it runs as `postgres` when we are root.
    static func asServerUser(_ arguments: [String]) -> [String] {
        guard geteuid() == 0 else { return arguments }
        return ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + arguments
    }
}
