import API
import Foundation
import Synchronization
import TestSupport
import Testing

/// `bytes` as an async sequence of `ArraySlice` chunks of `chunkSize`, optionally failing before chunk `failAt`, and
/// counting how many chunks were asked for.
struct ChunkedBytes: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    struct Broken: Error {}

    let bytes: [UInt8]
    let chunkSize: Int
    var failAt: Int?
    let served = Counter()

    final class Counter: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { self.count.load(ordering: .relaxed) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: ChunkedBytes
        var offset = 0
        var index = 0

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if let failAt = self.sequence.failAt, self.index == failAt { throw Broken() }
            guard self.offset < self.sequence.bytes.count else { return nil }
            let end = Swift.min(self.sequence.bytes.count, self.offset + self.sequence.chunkSize)
            defer {
                self.offset = end
                self.index += 1
                self.sequence.served.count.add(1, ordering: .relaxed)
            }
            return self.sequence.bytes[self.offset..<end]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}

@Suite struct MediaFixtureTests {
    @Test func theFixtureIsWhatTheSnifferReads() {
        let info = MediaSniffer.sniff(bytes: MediaFixture.mp4())
        #expect(info == MediaInfo(container: .mp4, durationSeconds: 12.5, width: 1080, height: 1920, videoCodec: "h264"))
    }
}
