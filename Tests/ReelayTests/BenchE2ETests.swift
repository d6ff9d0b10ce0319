import API
import Foundation
import TestSupport
import Testing

@testable import Reelay

/// `reelay bench e2e` without a server: its option ranges, and the videos it uploads.
@Suite struct BenchE2ETests {
    /// Out-of-range options are refused before anything starts: the parser's exit code, the ranges named.
    @Test func refusesOutOfRangeOptions() async throws {
        for arguments in [["--workers", "0"], ["--workers", "33"], ["--posts", "0"], ["--tiktok-latency-ms", "5001"], ["--concurrency", "0"]] {
            let outcome = try await ReelayBinary.run(["bench", "e2e"] + arguments)
            #expect(outcome.status == 64, "\(arguments)")
            #expect(outcome.stderr.contains("workers 1…32"), "\(arguments): \(outcome.stderr)")
        }
        let timeout = try await ReelayBinary.run(["bench", "e2e", "--timeout", "soon"])
        #expect(timeout.status == 64)
        #expect(timeout.stderr.contains("--timeout"))
    }

    /// The sample videos read, without ffprobe, as an 8 s 1080×1920 H.264 MP4 within TikTok's limits, and no two are
    /// the same file.
    @Test func sampleVideosPassTheAPIsProbe() throws {
        let videos = (0..<E2EBenchmark.postsPerAccount).map { E2EBenchmark.sampleVideo(variant: $0) }
        for video in videos {
            let info = try #require(MediaSniffer.sniff(bytes: Array(video)))
            #expect(info.durationSeconds == 8)
            #expect(info.width == 1080 && info.height == 1920)
            try MediaLimits().check(info)
        }
        #expect(Set(videos).count == videos.count)
    }
}
