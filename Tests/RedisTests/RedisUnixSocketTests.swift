import Foundation
import Redis
import TestSupport
import Testing

@Suite struct RedisUnixSocketTests {
    /// Starts a `redis-server` listening only on a Unix socket, talks to it through a `unix://` URL, then shuts it down
    /// with `SHUTDOWN NOSAVE` through the same client.
    @Test func connectsOverAUnixSocket() async throws {
        guard let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("redis-server not installed")
            return
        }
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("redis-unix")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/redis.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "0", "--unixsocket", socket, "--dir", directory, "--save", "", "--daemonize", "no", "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try await eventually("the unix socket to appear") { FileManager.default.fileExists(atPath: socket) }

        try await withClient(url: "unix://\(socket)?db=1") { (client: RedisClient) async throws in
            let key = TestEnvironment.uniqueName("unix")
            #expect(try await client.send(["SET", key, "over a socket"]) == .status("OK"))
            #expect(try await client.send(["GET", key]).string == "over a socket")
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains("db=1") == true)
            _ = try? await client.send(["SHUTDOWN", "NOSAVE"])
        }
        try await eventually("redis-server to exit") { !process.isRunning }
    }
}
