import Foundation


/// Builders for video-like files: ISO-BMFF boxes (ftyp, moov/mvhd, trak/tkhd/mdia/hdlr/minf/stbl/stsd, mdat) and
/// EBML elements, so the sniffer and the store see headers with known values.
public enum MediaFixture {
    public static func be32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    public static func be64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

    public static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { Self.be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload }

    public static func ftyp(brand: String = "isom") -> [UInt8] {
        Self.box("ftyp", Array(brand.utf8) + Self.be32(512) + Array("isomiso2avc1mp41".utf8))
    }

    /// `moov` with a version-0 `mvhd` (timescale 1000) and one video track.
    public static func moov(durationMs: UInt32, width: UInt32, height: UInt32, codec: String = "avc1") -> [UInt8] {
        let mvhd = Self.box("mvhd", [0, 0, 0, 0] + Self.be32(0) + Self.be32(0) + Self.be32(1000) + Self.be32(durationMs) + [UInt8](repeating: 0, count: 80))
        var tkhd: [UInt8] = [0, 0, 0, 3] + Self.be32(0) + Self.be32(0) + Self.be32(1) + Self.be32(0) + Self.be32(durationMs)
        tkhd += [UInt8](repeating: 0, count: 8 + 2 + 2 + 2 + 2 + 36) + Self.be32(width << 16) + Self.be32(height << 16)
        let hdlr = Self.box("hdlr", [0, 0, 0, 0] + Self.be32(0) + Array("vide".utf8) + [UInt8](repeating: 0, count: 12) + Array("VideoHandler\0".utf8))
        let stsd = Self.box("stsd", [0, 0, 0, 0] + Self.be32(1) + Self.box(codec, [UInt8](repeating: 0, count: 78)))
        let mdia = Self.box("mdia", hdlr + Self.box("minf", Self.box("stbl", stsd)))
        return Self.box("moov", mvhd + Self.box("trak", Self.box("tkhd", tkhd) + mdia))
    }

    /// A whole file: `ftyp`, an `mdat` of `mediaBytes` patterned bytes, then `moov` (not "fast start": the sniffer
    /// must walk past the media data).
    public static func mp4(mediaBytes: Int = 1024, durationMs: UInt32 = 12_500, width: UInt32 = 1080, height: UInt32 = 1920, brand: String = "isom")
        -> [UInt8]
    {
        var bytes = Self.ftyp(brand: brand)
        bytes += Self.be32(UInt32(8 + mediaBytes)) + Array("mdat".utf8)
        bytes += (0..<mediaBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        bytes += Self.moov(durationMs: durationMs, width: width, height: height)
        return bytes
    }

    // MARK: EBML

    public static func ebmlSize(_ size: Int) -> [UInt8] { [0x01] + Self.be64(UInt64(size)).suffix(7) }  // an 8-byte size vint
    public static func element(_ id: UInt32, _ data: [UInt8]) -> [UInt8] {
        Self.be32(id).drop { $0 == 0 } + Self.ebmlSize(data.count) + data
    }

    public static func webm(docType: String = "webm", durationMs: Double = 5500, width: UInt8 = 0x02, height: UInt8 = 0x05) -> [UInt8] {
        let header = Self.element(0x1A45_DFA3, Self.element(0x4282, Array(docType.utf8)))
        let info = Self.element(0x1549_A966, Self.element(0x2A_D7B1, [0x0F, 0x42, 0x40]) + Self.element(0x4489, Self.be64(durationMs.bitPattern)))
        let video = Self.element(0xE0, Self.element(0xB0, [width, 0xD0]) + Self.element(0xBA, [height, 0x00]))
        let track = Self.element(0xAE, Self.element(0x83, [1]) + Self.element(0x86, Array("V_VP9".utf8)) + video)
        let segment = Self.element(0x1853_8067, info + Self.element(0x1654_AE6B, track) + Self.element(0x1F43_B675, [0, 0, 0]))
        return header + segment
    }

    /// A fresh, empty media root (removed by the caller).
    public static func temporaryRoot() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-media-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// Every regular file under `root`, relative.
    public static func files(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let next = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(next) }
        }
        return files.sorted()
    }
}
