import Testing
import TikTok

@Suite struct ChunkPlanTests {
    /// TikTok's worked example (reference §2.5): 50,000,123 bytes in 10,000,000-byte chunks.
    @Test func reproducesTheWorkedExample() throws {
        let plan = try ChunkPlan(videoSize: 50_000_123, chunkSize: 10_000_000)
        #expect(plan.chunkCount == 5)
        #expect(plan.ranges == [0...9_999_999, 10_000_000...19_999_999, 20_000_000...29_999_999, 30_000_000...39_999_999, 40_000_000...50_000_122])
        #expect(plan.range(ofChunk: 4).count == 10_000_123)
        #expect(try ChunkPlan(videoSize: 50_000_123) == plan, "the default planner picks the same chunks")
    }

    @Test(arguments: [1, 1_000, 5_242_879])
    func smallFilesAreOneChunk(size: Int64) throws {
        let plan = try ChunkPlan(videoSize: size, chunkSize: 10_000_000)
        #expect(plan.chunkCount == 1)
        #expect(plan.chunkSize == size)
        #expect(plan.ranges == [0...(size - 1)])
    }

    @Test func filesOver64MBMustSplit() throws {
        #expect(throws: TikTokError.self) { try ChunkPlan(videoSize: 100_000_000, chunkSize: 64_000_000) }
        let plan = try ChunkPlan(videoSize: 100_000_000)
        #expect(plan.chunkCount == 10)
        #expect(try ChunkPlan(videoSize: 64_000_000, chunkSize: 64_000_000).chunkCount == 1)
        #expect(throws: TikTokError.self, "one 127,999,999-byte chunk") { try ChunkPlan(videoSize: 127_999_999, chunkSize: 64_000_000) }
        #expect(try ChunkPlan(videoSize: 128_000_000, chunkSize: 64_000_000).chunkCount == 2)
    }

    @Test func fourGigabytesFitInAThousandChunks() throws {
        let plan = try ChunkPlan(videoSize: ChunkPlan.maximumVideoSize)
        #expect(plan.chunkCount == 400)
        #expect(plan.chunkSize == 10_000_000)
        #expect(plan.ranges.last == 3_990_000_000...3_999_999_999)
        let fine = try ChunkPlan(videoSize: ChunkPlan.maximumVideoSize, chunkSize: 5_242_880)
        #expect(fine.chunkCount == 762)
        #expect(fine.range(ofChunk: 761).count <= ChunkPlan.maximumFinalChunkSize)
    }

    @Test(arguments: [
        (Int64(0), Int64(10_000_000)), (-5, 10_000_000), (4_000_000_001, 10_000_000), (50_000_000, 5_242_879),
        (50_000_000, 64_000_001), (6_000_000, 10_000_000), (6_000_000_000, 64_000_000), (100_000_000, 64_000_000),
    ])
    func rejectsBrokenRules(size: Int64, chunk: Int64) {
        #expect {
            try ChunkPlan(videoSize: size, chunkSize: chunk)
        } throws: { ($0 as? TikTokError)?.code == .invalidChunkPlan && ($0 as? TikTokError)?.classification == .permanent }
    }

    @Test func rejectsTooManyChunksAndTooLargeAFinalChunk() {
        // 5,242,880 × 1001 bytes → 1001 chunks.
        #expect(throws: TikTokError.self) { try ChunkPlan(videoSize: 5_242_880 * 1001, chunkSize: 5_242_880) }
        // count = floor(191,999,999 / 64,000,000) = 2: the final chunk takes 127,999,999 bytes, under 128,000,000.
        let plan = try? ChunkPlan(videoSize: 191_999_999, chunkSize: 64_000_000)
        #expect(plan?.range(ofChunk: 1).count == 127_999_999)
    }

    @Test func resumesFromTikToksProgress() throws {
        let plan = try ChunkPlan(videoSize: 50_000_123, chunkSize: 10_000_000)
        #expect(plan.nextChunk(afterReceivedBytes: 0) == 0)
        #expect(plan.nextChunk(afterReceivedBytes: 20_000_000) == 2)
        #expect(plan.nextChunk(afterReceivedBytes: 25_000_000) == 2)
        #expect(plan.nextChunk(afterReceivedBytes: 45_000_000) == 4)
        #expect(plan.nextChunk(afterReceivedBytes: 50_000_123) == 5)
        // `bytes 0-{n}/{total}`: n read as the last byte's index or as a count, whichever lands on a chunk boundary.
        #expect(plan.receivedBytes(fromContentRange: "bytes 0-19999999/50000123") == 20_000_000)
        #expect(plan.receivedBytes(fromContentRange: "bytes 0-20000000/50000123") == 20_000_000)
        #expect(plan.receivedBytes(fromContentRange: "bytes 0-50000122/50000123") == 50_000_123)
        #expect(plan.receivedBytes(fromContentRange: "bytes 0-12345/50000123") == 12_345)
        #expect(plan.receivedBytes(fromContentRange: "bytes 0-1/999") == nil)
        #expect(plan.receivedBytes(fromContentRange: "bytes */50000123") == 0)
        #expect(plan.receivedBytes(fromContentRange: "bytes */999") == nil)
        #expect(plan.receivedBytes(fromContentRange: nil) == nil)
    }
}
