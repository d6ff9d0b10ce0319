import Foundation
import TestSupport
import Testing

/// A 300 MB publish streams from the file: the worker's peak resident memory stays under 64 MB.
@Suite struct PublishMemoryTests {
    @Test func a300MBUploadKeepsTheWorkerUnder64MB() async throws {
        try await PublishFixture.with(videoSize: 300_000_000) { fixture in
            let worker = try fixture.startWorker(logName: "memory")
            let state = try await fixture.waitForTheEnd(timeout: .seconds(300))
            let peak = worker.serverPID.flatMap(Self.peakResidentMegabytes)
            try await worker.kill()
            #expect(state == "completed")
            let published = try await fixture.posts().filter { $0["status"] as? String == "PUBLISH_COMPLETE" }
            #expect(published.count == 1 && published.first?["sha256"] as? String == fixture.videoSHA256)
            let megabytes = try #require(peak, "no peak RSS read from /proc")
            print("300 MB publish: worker peak RSS \(megabytes) MB")
            #expect(megabytes < 64, "peak RSS \(megabytes) MB")
        }
    }

    /// `VmHWM` (peak resident set) of a process, in MB.
    static func peakResidentMegabytes(pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kilobytes / 1024
    }
}
