import API
import Foundation
import TestSupport
import Testing

/// The container sniffer reads headers from untrusted uploads: truncated boxes, sizes that overflow or point past the
/// end, zero-length loops and random bytes must end the walk, never the process.
@Suite struct MediaSnifferTests {
    /// A seeded generator (SplitMix64), so a failing input can be reproduced.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func recognisesContainersAndReadsTheirHeaders() {
        #expect(MediaSniffer.sniff(bytes: MediaFixture.mp4(brand: "qt  "))?.container == .mov)
        #expect(MediaSniffer.sniff(bytes: MediaFixture.mp4(brand: "mp42"))?.container == .mp4)
        #expect(MediaSniffer.sniff(bytes: MediaFixture.webm())?.durationSeconds == 5.5)
        #expect(MediaSniffer.sniff(bytes: MediaFixture.webm(docType: "matroska")) == nil, "TikTok takes WebM, not Matroska")
        // QuickTime without ftyp: recognised by its movie box only.
        #expect(MediaSniffer.sniff(bytes: MediaFixture.moov(durationMs: 4000, width: 720, height: 1280))?.container == .mov)
        #expect(MediaSniffer.sniff(bytes: MediaFixture.box("free", [1, 2, 3])) == nil)
        #expect(MediaSniffer.sniff(bytes: []) == nil)
        // ftyp alone (the demo's sample): an MP4 whose duration is unknown.
        #expect(MediaSniffer.sniff(bytes: MediaFixture.ftyp() + [UInt8](repeating: 7, count: 100)) == MediaInfo(container: .mp4))
    }

    @Test func versionOneHeadersAndLargeSizesAreRead() {
        let mvhd = MediaFixture.box("mvhd", [1, 0, 0, 0] + MediaFixture.be64(0) + MediaFixture.be64(0) + MediaFixture.be32(90_000) + MediaFixture.be64(2_700_000) + [UInt8](repeating: 0, count: 80))
        // moov with a 64-bit size (size field 1, then the large size).
        let payload = mvhd
        let moov = MediaFixture.be32(1) + Array("moov".utf8) + MediaFixture.be64(UInt64(16 + payload.count)) + payload
        #expect(MediaSniffer.sniff(bytes: MediaFixture.ftyp() + moov)?.durationSeconds == 30)
    }

    @Test func hostileBoxesEndTheWalk() {
        let ftyp = MediaFixture.ftyp()
        let cases: [[UInt8]] = [
            ftyp + MediaFixture.be32(0xFFFF_FFFF) + Array("moov".utf8),  // size past the end
            ftyp + MediaFixture.be32(1) + Array("moov".utf8) + MediaFixture.be64(.max),  // 64-bit size that overflows Int64
            ftyp + MediaFixture.be32(1) + Array("moov".utf8) + MediaFixture.be64(3),  // 64-bit size below its header
            ftyp + MediaFixture.be32(4) + Array("moov".utf8),  // size below the header
            ftyp + MediaFixture.be32(0) + Array("moov".utf8) + MediaFixture.be32(0) + Array("trak".utf8),  // size 0 = to the end, nested
            ftyp + MediaFixture.box("moov", [UInt8]((0..<20_000).flatMap { _ in MediaFixture.be32(8) + Array("free".utf8) })),  // 20k empty boxes
            ftyp + MediaFixture.box("moov", MediaFixture.box("mvhd", [0, 0, 0, 0, 1])),  // short mvhd
            ftyp + MediaFixture.box("moov", MediaFixture.box("mvhd", [0] + [UInt8](repeating: 0xFF, count: 40))),  // "unknown" duration
            ftyp + MediaFixture.box("moov", MediaFixture.box("trak", MediaFixture.box("tkhd", [1, 0, 0]))),
            [0x1A, 0x45, 0xDF, 0xA3, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],  // EBML header of unknown size
            [0x1A, 0x45, 0xDF, 0xA3, 0x00],  // invalid size vint
            [0x1A, 0x45, 0xDF, 0xA3, 0x88] + [UInt8](repeating: 0xFF, count: 7),
        ]
        for bytes in cases {
            let info = MediaSniffer.sniff(bytes: bytes)
            #expect(info?.durationSeconds == nil || info?.durationSeconds?.isFinite == true)
        }
        #expect(MediaSniffer.sniff(bytes: cases[7])?.durationSeconds == nil, "an all-ones duration means unknown")
    }

    @Test func thousandsOfRandomTruncatedAndMutatedInputsNeverCrash() {
        var random = SeededRandom(state: 0x5EED_0008)
        let seeds = [MediaFixture.mp4(mediaBytes: 64), MediaFixture.mp4(mediaBytes: 64, brand: "qt  "), MediaFixture.webm()]
        let clock = ContinuousClock()
        let started = clock.now
        var recognised = 0
        // Every prefix of each valid file.
        for seed in seeds {
            for length in 0...seed.count where MediaSniffer.sniff(bytes: Array(seed.prefix(length))) != nil { recognised += 1 }
        }
        // Mutations: random bytes overwritten, size fields forced to edge values, random cuts.
        let edgeWords: [UInt32] = [0, 1, 7, 8, 9, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
        for round in 0..<4000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random), index + 4 <= bytes.count {
                    bytes.replaceSubrange(index..<(index + 4), with: MediaFixture.be32(edgeWords.randomElement(using: &random) ?? 0))
                } else {
                    bytes[index] = UInt8.random(in: 0...255, using: &random)
                }
            }
            if Bool.random(using: &random) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            if let info = MediaSniffer.sniff(bytes: bytes) {
                recognised += 1
                #expect(info.durationSeconds.map { $0.isFinite && $0 > 0 } ?? true)
                #expect(info.width.map { $0 > 0 } ?? true)
            }
        }
        // Pure noise, with and without a valid magic number in front.
        for round in 0..<2000 {
            var bytes = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if round % 3 == 1 { bytes = MediaFixture.ftyp() + bytes }
            if round % 3 == 2 { bytes = [0x1A, 0x45, 0xDF, 0xA3] + bytes }
            _ = MediaSniffer.sniff(bytes: bytes)
        }
        #expect(recognised > 100, "the mutations should not all break the magic number")
        #expect(started.duration(to: clock.now) < .seconds(60), "no input makes the walk slow")
    }

    @Test func aSniffedFileIsReadInPlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-sniff-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(MediaFixture.mp4(mediaBytes: 2 << 20, durationMs: 61_000)))
        #expect(try MediaSniffer.sniff(path: path)?.durationSeconds == 61)
        #expect(throws: MediaError.self) { try MediaSniffer.sniff(path: path + ".missing") }
    }
}
