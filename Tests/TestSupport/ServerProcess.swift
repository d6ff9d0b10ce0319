import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a test server could not be started.
public struct TestServerError: Error, CustomStringConvertible {
    /// What failed, in one line.
    public var description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// A process started by a test (a server, a worker), watched so that it never outlives the test process.
///
/// The command runs under a small `sh` watchdog that kills it (SIGKILL) when the test process goes away, even on a
/// crash, so no test run leaves servers behind. Servers are stopped on purpose with their own tools (`redis-cli
/// SHUTDOWN`, `pg_ctl stop`), not by signals: a child spawned from a test thread can inherit a mask that blocks them.
public final class WatchedProcess: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()

    /// Starts `arguments` (the first is the executable path) with `environment` (default: inherited); output goes to
    /// `logPath`.
    public init(arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        let watchdog = """
            parent=$1; shift
            "$@" & child=$!
            echo $child > "$REELAY_CHILD_PID_FILE"
            while kill -0 $parent 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.2; done
            kill -KILL $child 2>/dev/null; wait $child
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdog, "watchdog", String(getpid())] + arguments
        var childEnvironment = environment ?? ProcessInfo.processInfo.environment
        childEnvironment["REELAY_CHILD_PID_FILE"] = logPath + ".pid"
        process.environment = childEnvironment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.childPIDFile = logPath + ".pid"
    }

    private let childPIDFile: String

    /// The program's own process id (the watchdog's child), once the watchdog wrote it.
    public var serverPID: Int32? {
        (try? String(contentsOfFile: self.childPIDFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Whether the watchdog (and so the program) still runs.
    public var isRunning: Bool { self.lock.withLock { self.process.isRunning } }

    /// The program's exit status (the watchdog passes it on), once it exited.
    public var exitStatus: Int32? { self.lock.withLock { self.process.isRunning ? nil : self.process.terminationStatus } }

    /// Sends `signal` to the program itself (not the watchdog).
    public func signal(_ signal: Int32) {
        if let pid = self.serverPID { _ = Glibc.kill(pid, signal) }
    }

    /// Kills the program at once (SIGKILL), as a crash would, and waits until it is gone.
    public func kill() async throws {
        self.signal(SIGKILL)
        try await self.waitUntilExited()
    }

    /// Waits, without blocking a thread, until the program (and so its watchdog) exited.
    public func waitUntilExited(timeout: Duration = .seconds(30)) async throws {
        try await eventually("the process to exit", timeout: timeout) { !self.isRunning }
    }

    /// Waits until the program wrote its pid file (it has started).
    public func waitUntilStarted(timeout: Duration = .seconds(30)) async throws {
        try await eventually("the process to start", timeout: timeout) { self.serverPID != nil }
    }
}

/// Small process and network helpers for the test servers.
public enum Host {
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestServerError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestServerError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    static func isAccepting(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Runs a command to completion (see ``ChildProcess``); throws with its output when it exits non-zero.
    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        let outcome = try await ChildProcess.run(arguments)
        guard outcome.status == 0 else {
            throw TestServerError("\(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.stdout)\(outcome.stderr)")
        }
        return outcome.stdout + outcome.stderr
    }

    /// The first executable named `name` on PATH or in `extraDirectories`.
    static func which(_ name: String, extraDirectories: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = extraDirectories + path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh private folder under the system temp dir.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
