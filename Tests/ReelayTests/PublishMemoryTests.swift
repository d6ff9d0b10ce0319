import Foundation
import TestSupport
import Testing

/// A 300 MB publish streams from the file: the worker's peak resident memory stays under 64 MB.
///
/// The worker measured is the release build (`swift build -c release --product reelay`; `make test-release` builds it and
/// runs this test), because that is what operators run. Most of a worker's RSS is clean, shared pages of its executable and
/// of Foundation; the debug executable alone touches 24 MB of its own code during a publish (15 MB in release), which
/// put the debug figure at 61–65 MB with the same ~8 MB of anonymous memory.
@Suite struct PublishMemoryTests {
    @Test func a300MBUploadKeepsTheWorkerUnder64MB() async throws {
        let binary = try Self.currentReleaseBinary()
        try await PublishFixture.with(videoSize: 300_000_000) { fixture in
            let worker = try fixture.startWorker(logName: "memory", binary: binary)
            let state = try await fixture.waitForTheEnd(timeout: .seconds(300))
            let peak = worker.serverPID.flatMap(Self.peakResidentMegabytes)
            let anonymous = worker.serverPID.flatMap { Self.statusKilobytes(pid: $0, field: "RssAnon:") }
            try await worker.kill()
            #expect(state == "completed")
            let published = try await fixture.posts().filter { $0["status"] as? String == "PUBLISH_COMPLETE" }
            #expect(published.count == 1 && published.first?["sha256"] as? String == fixture.videoSHA256)
            let megabytes = try #require(peak, "no peak RSS read from /proc")
            print("300 MB publish (release worker): peak RSS \(megabytes) MB, anonymous at the end \((anonymous ?? 0) / 1024) MB")
            #expect(megabytes < 64, "peak RSS \(megabytes) MB")
        }
    }

    /// The release `reelay` of the same scratch folder (`…/release/reelay` beside `…/debug/`). `make test-release` builds
    /// it right before this test; run alone, the test measures whatever release build is there.
    static func currentReleaseBinary() throws -> String {
        let debug = URL(fileURLWithPath: ReelayBinary.path)
        let release = debug.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("release/reelay")
        try #require(
            FileManager.default.isExecutableFile(atPath: release.path),
            "no release build at \(release.path): run `make test-release` (or `swift build -c release --product reelay` first)")
        return release.path
    }

    /// `VmHWM` (peak resident set) of a process, in MB.
    static func peakResidentMegabytes(pid: Int32) -> Double? {
        self.statusKilobytes(pid: pid, field: "VmHWM:").map { $0 / 1024 }
    }

    /// A kB figure of `/proc/<pid>/status`.
    static func statusKilobytes(pid: Int32, field: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
    }
}
