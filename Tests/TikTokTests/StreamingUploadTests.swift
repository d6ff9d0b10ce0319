import Foundation
import Synchronization
import Testing
import TikTok

/// The uploader over real HTTP: bytes arrive intact, in order, and memory stays flat however large the file.
@Suite struct StreamingUploadTests {
    static func client(port: Int) -> TikTokClient {
        var configuration = TikTokConfiguration()
        configuration.chunkUploadDeadline = .seconds(120)
        configuration.uploadPieceBytes = 1 << 20
        return TikTokClient(configuration: configuration)
    }

    @Test func uploadsAMultiChunkFileIntact() async throws {
        let file = try TestFile(size: 12_000_000)
        let plan = try ChunkPlan(videoSize: 12_000_000, chunkSize: 5_242_880)
        let sink = UploadSinkHandler()
        try await RawHTTPServer.with(sink) { port in
            let client = Self.client(port: port)
            let url = "http://127.0.0.1:\(port)/upload/?upload_id=1&upload_token=abc"
            let final = try await client.upload(file: file.path, to: url, plan: plan, contentType: .mp4)
            #expect(final.isComplete)
            await client.shutdown()
        }
        let summary = sink.summary
        #expect(summary.bytes == 12_000_000)
        #expect(summary.sha256 == (try sha256(ofFile: file.path)))
        #expect(summary.requests == [
            "PUT /upload/?upload_id=1&upload_token=abc bytes 0-5242879/12000000",
            "PUT /upload/?upload_id=1&upload_token=abc bytes 5242880-11999999/12000000",
        ])
    }

    /// 300 MB in chunks of 64,000,000 bytes (the final one 108 MB): if a chunk — let alone the file — were loaded
    /// into memory, the resident size would grow by more than the bound. Tests running in parallel allocate too, so a
    /// noisy measurement is repeated (up to 3 runs); loading chunks would exceed the bound on every run, since buffers
    /// that large are mapped and unmapped, not kept by malloc.
    @Test func aLargeUploadKeepsMemorySmall() async throws {
        let size = 300_000_000
        let bound = 48_000_000
        let file = try TestFile(size: size, sparse: true)
        let plan = try ChunkPlan(videoSize: Int64(size), chunkSize: 64_000_000)
        #expect(plan.chunkCount == 4)
        var growths: [Int] = []
        for _ in 1...3 {
            let sink = UploadSinkHandler()
            let growth = try await Self.measureGrowth(uploading: file, plan: plan, to: sink)
            #expect(sink.summary.bytes == size)
            growths.append(growth)
            if growth < bound { break }
        }
        #expect(growths.min()! < bound, "resident size grew by \(growths) bytes during 300 MB uploads")
        print("memory growth during a 300 MB upload: \(growths) bytes")
    }

    /// The peak resident-size growth while `file` is uploaded to `sink`.
    static func measureGrowth(uploading file: TestFile, plan: ChunkPlan, to sink: UploadSinkHandler) async throws -> Int {
        let sampler = PeakSampler()
        let baseline = try #require(residentBytes())
        try await RawHTTPServer.with(sink) { port in
            let client = Self.client(port: port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while sampler.running.load(ordering: .relaxed) {
                        sampler.sample()
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                let final = try await client.upload(file: file.path, to: "http://127.0.0.1:\(port)/u?t=1", plan: plan, contentType: .mp4)
                sampler.running.store(false, ordering: .relaxed)
                #expect(final.isComplete)
                try await group.waitForAll()
            }
            await client.shutdown()
        }
        return sampler.peak.withLock { $0 } - baseline
    }
}

/// The highest resident size seen while ``running`` is true.
final class PeakSampler: Sendable {
    let peak = Mutex(0)
    let running = Atomic(true)

    func sample() {
        guard let now = residentBytes() else { return }
        self.peak.withLock { $0 = max($0, now) }
    }
}
