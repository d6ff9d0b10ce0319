import Foundation

/// A private `redis-server` on a free loopback port, for tests that stop, restart or reconfigure the server.
public final class RedisServer: Sendable {
    /// The port it listens on (kept across restarts).
    public let port: Int
    /// Its data folder (AOF and RDB files).
    public let directory: String
    /// Whether the append-only file is on, so data survives a restart.
    public let appendOnly: Bool
    /// A password clients must send, if any.
    public let password: String?
    private let process: LockedBox<WatchedProcess?>

    /// `redis://[:password@]127.0.0.1:port`.
    public var url: String {
        if let password = self.password { return "redis://:\(password)@127.0.0.1:\(self.port)" }
        return "redis://127.0.0.1:\(self.port)"
    }

    private init(port: Int, directory: String, appendOnly: Bool, password: String?) {
        self.port = port
        self.directory = directory
        self.appendOnly = appendOnly
        self.password = password
        self.process = LockedBox(nil)
    }

    /// Starts a new server and waits until it accepts connections.
    public static func start(appendOnly: Bool = false, password: String? = nil) async throws -> RedisServer {
        let server = RedisServer(
            port: try Host.freePort(), directory: try Host.temporaryDirectory("reelay-redis"), appendOnly: appendOnly, password: password)
        try await server.start()
        return server
    }

    /// Starts a new server, runs `body` with it and stops it, also when `body` throws (then `body`'s error is the one
    /// thrown, and a failure to stop is dropped); returns what `body` returned.
    public static func with<Result>(
        appendOnly: Bool = false, password: String? = nil, _ body: (RedisServer) async throws -> Result
    ) async throws -> Result {
        let server = try await RedisServer.start(appendOnly: appendOnly, password: password)
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

    /// (Re)starts the server on the same port and folder.
    public func start() async throws {
        guard let binary = Host.which("redis-server") else {
            throw TestServerError("redis-server not found: run `make test`, or apt-get install redis-server")
        }
        var arguments = [
            binary, "--port", String(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
            "--save", "", "--appendonly", self.appendOnly ? "yes" : "no", "--appendfsync", "everysec",
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
        ]
        if let password = self.password { arguments += ["--requirepass", password] }
        let process = try WatchedProcess(arguments: arguments, logPath: "\(self.directory)/redis.log")
        self.process.set(process)
        try await eventually("redis-server on port \(self.port)") { Host.isAccepting(port: self.port) }
    }

    /// Stops the server cleanly (`SHUTDOWN`, which also syncs the AOF) and waits until it exited.
    public func stop() async throws {
        guard let process = self.process.get(), process.isRunning else { return }
        var command = [Host.which("redis-cli") ?? "/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", String(self.port)]
        if let password = self.password { command += ["--no-auth-warning", "-a", password] }
        _ = try? await Host.run(command + ["SHUTDOWN"])
        try await process.waitUntilExited()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    public func kill() async throws {
        try await self.process.get()?.kill()
    }

    /// Waits until the server process has gone (for example after a client sent `SHUTDOWN NOSAVE`).
    public func waitUntilStopped() async throws {
        try await self.process.get()?.waitUntilExited()
    }
}

/// A value behind a lock, for the few mutable fields of the test servers.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func get() -> Value { self.lock.withLock { self.value } }
    func set(_ value: Value) { self.lock.withLock { self.value = value } }
}
