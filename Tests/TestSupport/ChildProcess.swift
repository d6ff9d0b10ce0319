import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion for a test without blocking a thread of the cooperative pool: its output goes to
/// files and its exit is polled with `Task.sleep`.
public enum ChildProcess {
    /// What a finished program left behind.
    public struct Outcome: Sendable {
        /// Exit status.
        public var status: Int32
        /// Everything it wrote to standard output.
        public var stdout: String
        /// Everything it wrote to standard error.
        public var stderr: String
        /// Wall time from launch to exit.
        public var elapsed: Duration
    }

    /// Runs `arguments` (the first is the executable's path); `environment` replaces the inherited one when given.
    /// A program still running after `timeout` is killed (SIGKILL) and the call throws: a hang fails the test instead
    /// of stalling the run.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60)) async throws -> Outcome {
        let base = NSTemporaryDirectory() + "reelay-child-\(UUID().uuidString)"
        let paths = (out: base + ".out", err: base + ".err")
        defer {
            try? FileManager.default.removeItem(atPath: paths.out)
            try? FileManager.default.removeItem(atPath: paths.err)
        }
        for path in [paths.out, paths.err] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: paths.out))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: paths.err))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        let deadline = started.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TestServerError("\(arguments.joined(separator: " ")) still ran after \(timeout): killed")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: paths.out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: paths.err, encoding: .utf8)) ?? "",
            elapsed: ContinuousClock.now - started)
    }
}
