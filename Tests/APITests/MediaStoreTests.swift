import API
import Crypto
import Foundation
import NIOCore
import TestSupport
import Testing

/// Streaming ingest into the media root: hashed and probed on the way, moved into `uploads/<yyyy>/<mm>/` only when
/// accepted, and nothing left behind otherwise.
@Suite struct MediaStoreTests {
    let root: String
    let store: MediaStore

    init() throws {
        self.root = try MediaFixture.temporaryRoot()
        self.store = MediaStore(root: self.root, maxBytes: 64 << 20, probe: MediaProbe(ffprobe: .disabled))
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test func aMultiMegabyteUploadIsStreamedHashedProbedAndStored() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let bytes = MediaFixture.mp4(mediaBytes: 6 << 20, durationMs: 12_500, width: 1080, height: 1920)
        let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 UTC
        let chunks = ChunkedBytes(bytes: bytes, chunkSize: 65_521)
        let stored = try await self.store.ingest(filename: "../holiday clip.mp4", contentType: "application/octet-stream", chunks: chunks, now: now)

        #expect(stored.sha256 == Self.sha256(bytes))
        #expect(stored.sizeBytes == Int64(bytes.count))
        #expect(stored.contentType == "video/mp4")
        #expect(stored.originalName == "holiday clip.mp4")
        #expect(stored.relativePath == "uploads/2026/05/\(stored.id.uuidString.lowercased()).mp4")
        #expect(stored.info == MediaInfo(container: .mp4, durationSeconds: 12.5, width: 1080, height: 1920, videoCodec: "h264"))
        #expect(chunks.served.value == (bytes.count + 65_520) / 65_521)

        let path = try self.store.resolve(stored.relativePath)
        #expect(path == self.root + "/" + stored.relativePath)
        #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        #expect(MediaFixture.files(under: self.root) == [stored.relativePath], "nothing left in .incoming")

        var streamed: [UInt8] = []
        for try await piece in try self.store.contents(of: stored.relativePath, pieceSize: 1 << 20) { streamed += piece.readableBytesView }
        #expect(streamed == bytes)
    }

    @Test func byteBufferChunksWorkToo() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let bytes = MediaFixture.mp4(mediaBytes: 300_000, brand: "qt  ")
        let pieces = stride(from: 0, to: bytes.count, by: 10_000).map { ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + 10_000)]) }
        let stored = try await self.store.ingest(filename: "clip.mov", contentType: "video/quicktime", chunks: pieces.async)
        #expect(stored.contentType == "video/quicktime")
        #expect(stored.relativePath.hasSuffix(".mov"))
        #expect(stored.sha256 == Self.sha256(bytes))
    }

    @Test func anUploadOverTheLimitStopsAtOnceAndLeavesNothing() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let small = MediaStore(root: self.root, maxBytes: 1 << 20, probe: MediaProbe(ffprobe: .disabled))
        let chunks = ChunkedBytes(bytes: MediaFixture.mp4(mediaBytes: 3 << 20), chunkSize: 64 << 10)
        await #expect(throws: MediaError(.tooLarge, message: "the upload is larger than 1048576 bytes")) {
            try await small.ingest(filename: "big.mp4", contentType: "video/mp4", chunks: chunks)
        }
        #expect(chunks.served.value == 17, "the 17th 64 KiB chunk passes 1 MiB: nothing after it is read")
        #expect(MediaFixture.files(under: self.root).isEmpty)
    }

    @Test func anUploadExactlyAtTheLimitIsAccepted() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let bytes = MediaFixture.mp4(mediaBytes: 100_000)
        let exact = MediaStore(root: self.root, maxBytes: Int64(bytes.count), probe: MediaProbe(ffprobe: .disabled))
        let stored = try await exact.ingest(filename: "a.mp4", contentType: nil, chunks: ChunkedBytes(bytes: bytes, chunkSize: 4096))
        #expect(stored.sizeBytes == Int64(bytes.count))
    }

    @Test(arguments: [
        ("empty", [UInt8](), MediaError.Code.empty),
        ("png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 1, count: 5000), .unsupportedFormat),
        ("text", Array(String(repeating: "not a video ", count: 500).utf8), .unsupportedFormat),
        ("matroska", MediaFixture.webm(docType: "matroska"), .unsupportedFormat),
        ("too long", MediaFixture.mp4(durationMs: 600_001), .invalidDuration),
        ("too short", MediaFixture.mp4(durationMs: 2_999), .invalidDuration),
        ("too narrow", MediaFixture.mp4(width: 200, height: 640), .invalidResolution),
        ("too tall", MediaFixture.mp4(width: 1080, height: 4097), .invalidResolution),
    ])
    func aRejectedUploadLeavesNothing(name: String, bytes: [UInt8], code: MediaError.Code) async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        do {
            _ = try await self.store.ingest(filename: name, contentType: "video/mp4", chunks: ChunkedBytes(bytes: bytes, chunkSize: 1000))
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.code == code, "\(name)")
        }
        #expect(MediaFixture.files(under: self.root).isEmpty, "\(name)")
    }

    @Test func theLimitsAreInclusive() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        for bytes in [MediaFixture.mp4(durationMs: 600_000, width: 4096, height: 360), MediaFixture.mp4(durationMs: 3_000, width: 360, height: 4096)] {
            _ = try await self.store.ingest(filename: "edge.mp4", contentType: nil, chunks: ChunkedBytes(bytes: bytes, chunkSize: 1 << 16))
        }
        #expect(MediaFixture.files(under: self.root).count == 2)
    }

    @Test func aBrokenStreamLeavesNothing() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let chunks = ChunkedBytes(bytes: MediaFixture.mp4(mediaBytes: 1 << 20), chunkSize: 4096, failAt: 10)
        await #expect(throws: MediaError(.interrupted, message: "the upload stream failed before its end")) {
            try await self.store.ingest(filename: "cut.mp4", contentType: "video/mp4", chunks: chunks)
        }
        #expect(MediaFixture.files(under: self.root).isEmpty)
    }

    @Test func webMIsRecognisedWithItsHeaders() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        let stored = try await self.store.ingest(filename: "w.webm", contentType: nil, chunks: ChunkedBytes(bytes: MediaFixture.webm(), chunkSize: 7))
        #expect(stored.contentType == "video/webm")
        #expect(stored.relativePath.hasSuffix(".webm"))
        #expect(stored.info == MediaInfo(container: .webm, durationSeconds: 5.5, width: 720, height: 1280, videoCodec: "vp9"))
    }

    @Test func fileNamesAreSanitized() {
        #expect(MediaStore.sanitize(filename: "../../etc/passwd") == "passwd")
        #expect(MediaStore.sanitize(filename: "C:\\videos\\clip.mp4") == "clip.mp4")
        #expect(MediaStore.sanitize(filename: "a\u{0}b\nc\u{202E}d.mp4") == "abcd.mp4")
        #expect(MediaStore.sanitize(filename: "...") == "upload")
        #expect(MediaStore.sanitize(filename: "") == "upload")
        #expect(MediaStore.sanitize(filename: ".hidden.mp4") == "hidden.mp4")
        #expect(MediaStore.sanitize(filename: String(repeating: "é", count: 300)).utf8.count <= 255)
    }

    @Test func leftoversInIncomingAreSwept() throws {
        defer { try? FileManager.default.removeItem(atPath: self.root) }
        try FileManager.default.createDirectory(atPath: self.store.incomingFolder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: self.store.incomingFolder + "/old.part", contents: Data([1]))
        #expect(self.store.sweepIncoming(olderThan: .seconds(3600), now: Date()) == 0)
        #expect(self.store.sweepIncoming(olderThan: .seconds(3600), now: Date().addingTimeInterval(7200)) == 1)
        #expect(MediaFixture.files(under: self.root).isEmpty)
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
