/// Recognises MP4, MOV and WebM from their headers when ffprobe is not installed, and reads what the headers say
/// (duration, video size, codec). Every box or element is bounds-checked against its parent and the file, every walk
/// advances and is capped in steps, and nothing is read whole: hostile input ends the walk, never the process.
public enum MediaSniffer {
    /// Most boxes or elements visited at one level.
    static let maximumSiblings = 10_000

    /// What `bytes` hold, or nil when they are not an MP4, MOV or WebM file.
    public static func sniff(bytes: [UInt8]) -> MediaInfo? {
        Self.sniff(ArrayByteSource(bytes: bytes))
    }

    /// What the file at `path` holds, or nil when it is not an MP4, MOV or WebM file.
    /// - Throws: ``MediaError/Code/notFound`` when it cannot be opened.
    public static func sniff(path: String) throws(MediaError) -> MediaInfo? {
        guard let source = FileByteSource(path: path) else { throw MediaError(.notFound, message: "the file cannot be opened") }
        return Self.sniff(source)
    }

    static func sniff(_ source: any MediaByteSource) -> MediaInfo? {
        guard let magic = source.read(at: 0, length: 8) else { return nil }
        if magic[0..<4].elementsEqual([0x1A, 0x45, 0xDF, 0xA3]) { return WebMSniffer(source: source).sniff() }
        return MP4Sniffer(source: source).sniff()
    }
}

/// One ISO-BMFF box: its type and where its payload lies. `end` never passes the parent's end.
struct MP4Box {
    var type: String
    var start: Int64
    var payloadStart: Int64
    var end: Int64
    var payloadLength: Int64 { self.end - self.payloadStart }
}

/// The ISO base media file format (MP4, QuickTime MOV): `ftyp`, then `moov/mvhd` for the duration and each
/// `trak`'s `tkhd`, `mdia/hdlr` and `mdia/minf/stbl/stsd` for the video track's size and codec.
struct MP4Sniffer {
    let source: any MediaByteSource

    /// Box types a QuickTime file without `ftyp` may start with.
    private static var quickTimeFirstBoxes: Set<String> { ["moov", "mdat", "wide", "free", "skip", "pnot"] }

    func sniff() -> MediaInfo? {
        guard let first = self.box(at: 0, end: self.source.count) else { return nil }
        var info: MediaInfo
        if first.type == "ftyp" {
            guard first.payloadLength >= 4, let brand = self.source.read(at: first.payloadStart, length: 4) else { return nil }
            info = MediaInfo(container: brand.elementsEqual(Array("qt  ".utf8)) ? .mov : .mp4)
        } else if Self.quickTimeFirstBoxes.contains(first.type) {
            info = MediaInfo(container: .mov)
        } else {
            return nil
        }
        var sawMovie = false
        for box in self.children(from: 0, end: self.source.count) where box.type == "moov" {
            sawMovie = true
            self.readMovie(box, into: &info)
            break
        }
        // A QuickTime file without `ftyp` is recognised only by its movie box.
        if first.type != "ftyp", !sawMovie { return nil }
        return info
    }

    /// The box at `offset`, or nil when its header or its extent does not fit before `end`.
    func box(at offset: Int64, end: Int64) -> MP4Box? {
        guard offset >= 0, end - offset >= 8, let head = self.source.read(at: offset, length: 8),
            let size32 = head.bigEndian(at: 0, width: 4), let type = head.fourCC(at: 4)
        else { return nil }
        var headerLength: Int64 = 8
        let size: Int64
        switch size32 {
        case 0:
            size = end - offset
        case 1:
            guard end - offset >= 16, let large = self.source.read(at: offset + 8, length: 8)?.bigEndian(at: 0, width: 8),
                let exact = Int64(exactly: large)
            else { return nil }
            headerLength = 16
            size = exact
        default:
            size = Int64(size32)
        }
        guard size >= headerLength, size <= end - offset else { return nil }
        return MP4Box(type: type, start: offset, payloadStart: offset + headerLength, end: offset + size)
    }

    /// The boxes between `from` and `end`, in order, stopping at the first malformed one or after
    /// ``MediaSniffer/maximumSiblings``.
    func children(from start: Int64, end: Int64) -> [MP4Box] {
        var boxes: [MP4Box] = []
        var offset = start
        while offset < end, boxes.count < MediaSniffer.maximumSiblings, let box = self.box(at: offset, end: end) {
            boxes.append(box)
            offset = box.end  // box.end > offset: every box is at least its 8-byte header
        }
        return boxes
    }

    func children(of box: MP4Box) -> [MP4Box] { self.children(from: box.payloadStart, end: box.end) }

    /// A box's payload, when it is no longer than `limit` (headers only: never the media data).
    func payload(_ box: MP4Box, limit: Int = 4096) -> [UInt8]? {
        self.source.read(at: box.payloadStart, length: Int(min(box.payloadLength, Int64(limit))))
    }

    private func readMovie(_ movie: MP4Box, into info: inout MediaInfo) {
        var fragmentDuration: UInt64?
        var timescale: UInt64 = 0
        var videoFound = false
        for box in self.children(of: movie) {
            switch box.type {
            case "mvhd":
                guard let bytes = self.payload(box), let version = bytes.first else { continue }
                let (scaleAt, durationAt, width) = version == 1 ? (20, 24, 8) : (12, 16, 4)
                guard let scale = bytes.bigEndian(at: scaleAt, width: 4), let duration = bytes.bigEndian(at: durationAt, width: width) else { continue }
                timescale = scale
                let unknown: UInt64 = width == 8 ? .max : 0xFFFF_FFFF
                if scale > 0, duration > 0, duration != unknown { info.durationSeconds = Double(duration) / Double(scale) }
            case "mvex":
                for mehd in self.children(of: box) where mehd.type == "mehd" {
                    guard let bytes = self.payload(mehd), let version = bytes.first else { continue }
                    fragmentDuration = bytes.bigEndian(at: 4, width: version == 1 ? 8 : 4)
                }
            case "trak" where !videoFound:
                if let track = self.readTrack(box) {
                    videoFound = true
                    info.width = track.width
                    info.height = track.height
                    info.videoCodec = track.codec
                }
            default:
                continue
            }
        }
        if info.durationSeconds == nil, let fragmentDuration, fragmentDuration > 0, timescale > 0 {
            info.durationSeconds = Double(fragmentDuration) / Double(timescale)
        }
    }

    /// The track's size and codec when it is a video track (handler `vide`, or a non-zero size without a handler).
    private func readTrack(_ track: MP4Box) -> (width: Int?, height: Int?, codec: String?)? {
        var size: (width: Int, height: Int)?
        var handler: String?
        var codec: String?
        for box in self.children(of: track) {
            if box.type == "tkhd", let bytes = self.payload(box), let version = bytes.first {
                let widthAt = version == 1 ? 88 : 76
                if let width = bytes.bigEndian(at: widthAt, width: 4), let height = bytes.bigEndian(at: widthAt + 4, width: 4) {
                    size = (Int(width >> 16), Int(height >> 16))
                }
            } else if box.type == "mdia" {
                for media in self.children(of: box) {
                    if media.type == "hdlr" { handler = self.payload(media)?.fourCC(at: 8) }
                    if media.type == "minf" { codec = self.sampleEntry(media) }
                }
            }
        }
        let isVideo = handler.map { $0 == "vide" } ?? ((size?.width ?? 0) > 0 && (size?.height ?? 0) > 0)
        guard isVideo else { return nil }
        let known = size.flatMap { $0.width > 0 && $0.height > 0 ? $0 : nil }
        return (known?.width, known?.height, codec.map(Self.codecName))
    }

    /// The first sample entry's type in `minf/stbl/stsd`.
    private func sampleEntry(_ mediaInformation: MP4Box) -> String? {
        for table in self.children(of: mediaInformation) where table.type == "stbl" {
            for description in self.children(of: table) where description.type == "stsd" {
                return self.payload(description, limit: 16)?.fourCC(at: 12)
            }
        }
        return nil
    }

    static func codecName(_ fourCC: String) -> String {
        switch fourCC {
        case "avc1", "avc3": "h264"
        case "hvc1", "hev1": "hevc"
        case "vp08": "vp8"
        case "vp09": "vp9"
        case "av01": "av1"
        case "mp4v": "mpeg4"
        default: String(fourCC.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
        }
    }
}
