import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `reelay sandbox` as an operator runs it: a real child process, real HTTP (through curl), SIGTERM to stop.
@Suite struct SandboxCommandTests {
    /// Waits until the sandbox printed its URL and returns it.
    static func listeningURL(_ logPath: String, process: WatchedProcess) async throws -> String {
        try await eventuallyValue("the sandbox to listen") {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("reelay sandbox: listening on ") }) {
                return String(line.dropFirst("reelay sandbox: listening on ".count))
            }
            guard process.isRunning else { throw TestServerError("the sandbox exited before it listened: \(log)") }
            return nil
        }
    }

    static func curl(_ arguments: [String]) async throws -> String {
        let outcome = try await ChildProcess.run(["/usr/bin/curl", "-sS", "--max-time", "10"] + arguments, timeout: .seconds(20))
        #expect(outcome.status == 0, "curl: \(outcome.stderr)")
        return outcome.stdout
    }

    @Test func servesCreatesACreatorAndStopsOnSIGTERM() async throws {
        let base = NSTemporaryDirectory() + "reelay-sandbox-\(UUID().uuidString)"
        let (logPath, statePath) = (base + ".log", base + ".json")
        defer { for path in [logPath, statePath, logPath + ".pid"] { try? FileManager.default.removeItem(atPath: path) } }
        let process = try WatchedProcess(
            arguments: [ReelayBinary.path, "sandbox", "--port", "0", "--state", statePath, "--processing-time", "500ms", "--log-level", "warning"],
            logPath: logPath, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        let url = try await Self.listeningURL(logPath, process: process)
        #expect(url.hasPrefix("http://127.0.0.1:"))

        let created = try await Self.curl([
            "-X", "POST", "-H", "Content-Type: application/json", "-d", #"{"nickname": "From the CLI test"}"#, url + "/_sandbox/creators",
        ])
        let creator = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        let openID = creator?["open_id"] as? String ?? ""
        #expect(!openID.isEmpty, "\(created)")
        let listed = try await Self.curl([url + "/_sandbox/creators"])
        #expect(listed.contains(openID))
        #expect(listed.contains("From the CLI test"))

        process.signal(SIGTERM)
        try await process.waitUntilExited(timeout: .seconds(15))
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(process.exitStatus == 0, "\(log)")
        let saved = (try? String(contentsOfFile: statePath, encoding: .utf8)) ?? ""
        #expect(saved.contains(openID), "the state file holds the creator after shutdown")
    }

    @Test(arguments: [
        ["--port", "abc"], ["--port", "70000"], ["--processing-time", "soon"], ["--upload-idle-timeout", "0"],
        ["--verified-url-prefix", "ftp://media.example.com/"],
        ["--verified-url-prefix", "http://media.example.com/v/"], ["--client-key", ""], ["--log-level", "loud"],
    ])
    func aBadValueIsOneLineAndExit2(_ arguments: [String]) async throws {
        let outcome = try await ReelayBinary.run(["sandbox"] + arguments)
        #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("reelay: invalid "), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stdout.isEmpty, "it never started")
    }

    @Test func anUnknownFlagIsAUsageError() async throws {
        let outcome = try await ReelayBinary.run(["sandbox", "--no-such-flag"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("--no-such-flag"))
    }
}
