/// One EBML element: its id (marker bits kept, as the Matroska spec writes ids) and where its data lies. An element of
/// unknown size extends to its parent's end.
struct EBMLElement {
    var id: UInt32
    var dataStart: Int64
    var end: Int64
    var length: Int64 { self.end - self.dataStart }
}

/// WebM (Matroska with DocType `webm`; plain Matroska is not accepted by TikTok): the EBML header's DocType, then
/// `Segment/Info` (TimestampScale, Duration) and `Segment/Tracks/TrackEntry` (TrackType, CodecID, Video/PixelWidth,
/// PixelHeight). The walk stops at the first Cluster: the headers come before the media data.
struct WebMSniffer {
    let source: any MediaByteSource

    private enum ID {
        static let header: UInt32 = 0x1A45_DFA3, docType: UInt32 = 0x4282, segment: UInt32 = 0x1853_8067
        static let info: UInt32 = 0x1549_A966, timestampScale: UInt32 = 0x2A_D7B1, duration: UInt32 = 0x4489
        static let tracks: UInt32 = 0x1654_AE6B, trackEntry: UInt32 = 0xAE, trackType: UInt32 = 0x83, codecID: UInt32 = 0x86
        static let video: UInt32 = 0xE0, pixelWidth: UInt32 = 0xB0, pixelHeight: UInt32 = 0xBA, cluster: UInt32 = 0x1F43_B675
    }

    func sniff() -> MediaInfo? {
        let fileEnd = self.source.count
        guard let header = self.element(at: 0, end: fileEnd), header.id == ID.header else { return nil }
        // DocType defaults to "matroska" when absent.
        let docType = self.children(of: header).first { $0.id == ID.docType }.flatMap { self.string($0) } ?? "matroska"
        guard docType == "webm" else { return nil }
        var info = MediaInfo(container: .webm)
        guard let segment = self.children(from: header.end, end: fileEnd).first(where: { $0.id == ID.segment }) else { return info }
        var scale: UInt64 = 1_000_000
        var duration: Double?
        for child in self.children(of: segment, stopAt: ID.cluster) {
            if child.id == ID.info {
                for field in self.children(of: child) {
                    if field.id == ID.timestampScale, let value = self.unsigned(field), value > 0 { scale = value }
                    if field.id == ID.duration { duration = self.float(field) }
                }
            } else if child.id == ID.tracks, info.width == nil {
                for entry in self.children(of: child) where entry.id == ID.trackEntry {
                    guard self.readTrack(entry, into: &info) else { continue }
                    break
                }
            }
        }
        if let duration, duration.isFinite, duration > 0 {
            let seconds = duration * Double(scale) / 1_000_000_000
            if seconds.isFinite { info.durationSeconds = seconds }
        }
        return info
    }

    /// Reads a video track entry into `info`; false when it is not a video track.
    private func readTrack(_ entry: EBMLElement, into info: inout MediaInfo) -> Bool {
        var isVideo = false
        var codec: String?
        var width: UInt64?
        var height: UInt64?
        for field in self.children(of: entry) {
            switch field.id {
            case ID.trackType: isVideo = self.unsigned(field) == 1
            case ID.codecID: codec = self.string(field)
            case ID.video:
                for dimension in self.children(of: field) {
                    if dimension.id == ID.pixelWidth { width = self.unsigned(dimension) }
                    if dimension.id == ID.pixelHeight { height = self.unsigned(dimension) }
                }
            default: continue
            }
        }
        guard isVideo else { return false }
        info.width = width.flatMap { $0 > 0 && $0 <= UInt64(Int32.max) ? Int($0) : nil }
        info.height = height.flatMap { $0 > 0 && $0 <= UInt64(Int32.max) ? Int($0) : nil }
        info.videoCodec = codec.map(Self.codecName)
        return true
    }

    static func codecName(_ codecID: String) -> String {
        switch codecID {
        case "V_VP8": "vp8"
        case "V_VP9": "vp9"
        case "V_AV1": "av1"
        case "V_MPEG4/ISO/AVC": "h264"
        default: codecID.lowercased()
        }
    }

    // MARK: Elements

    /// A variable-length integer at `offset` (1–`maximumLength` bytes): its value (marker kept for ids, removed for
    /// sizes), its length, and whether every value bit is set (an unknown size).
    private func vint(at offset: Int64, end: Int64, maximumLength: Int, keepMarker: Bool) -> (value: UInt64, length: Int, allOnes: Bool)? {
        guard offset < end, let first = self.source.read(at: offset, length: 1)?.first, first != 0 else { return nil }
        let length = first.leadingZeroBitCount + 1
        guard length <= maximumLength, Int64(length) <= end - offset, let bytes = self.source.read(at: offset, length: length),
            var value = bytes.bigEndian(at: 0, width: length)
        else { return nil }
        let valueBits = 7 * length
        let mask: UInt64 = valueBits >= 64 ? .max : (1 << UInt64(valueBits)) - 1
        let allOnes = value & mask == mask
        if !keepMarker { value &= mask }
        return (value, length, allOnes)
    }

    /// The element at `offset`, or nil when it does not fit before `end`.
    func element(at offset: Int64, end: Int64) -> EBMLElement? {
        guard let id = self.vint(at: offset, end: end, maximumLength: 4, keepMarker: true),
            let size = self.vint(at: offset + Int64(id.length), end: end, maximumLength: 8, keepMarker: false)
        else { return nil }
        let dataStart = offset + Int64(id.length + size.length)
        if size.allOnes { return EBMLElement(id: UInt32(id.value), dataStart: dataStart, end: end) }
        guard let length = Int64(exactly: size.value), length <= end - dataStart else { return nil }
        return EBMLElement(id: UInt32(id.value), dataStart: dataStart, end: dataStart + length)
    }

    /// The elements between `start` and `end`, stopping at a malformed one, at one whose id is `stopAt`, at one of
    /// unknown size, or after ``MediaSniffer/maximumSiblings``.
    func children(from start: Int64, end: Int64, stopAt: UInt32? = nil) -> [EBMLElement] {
        var elements: [EBMLElement] = []
        var offset = start
        while offset < end, elements.count < MediaSniffer.maximumSiblings, let element = self.element(at: offset, end: end) {
            if element.id == stopAt { break }
            elements.append(element)
            guard element.end > offset else { break }
            offset = element.end
        }
        return elements
    }

    func children(of element: EBMLElement, stopAt: UInt32? = nil) -> [EBMLElement] {
        self.children(from: element.dataStart, end: element.end, stopAt: stopAt)
    }

    private func unsigned(_ element: EBMLElement) -> UInt64? {
        guard element.length >= 1, element.length <= 8, let bytes = self.source.read(at: element.dataStart, length: Int(element.length)) else {
            return nil
        }
        return bytes.bigEndian(at: 0, width: bytes.count)
    }

    private func float(_ element: EBMLElement) -> Double? {
        guard let bits = self.unsigned(element) else { return nil }
        switch element.length {
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case 8: return Double(bitPattern: bits)
        default: return nil
        }
    }

    private func string(_ element: EBMLElement) -> String? {
        guard element.length <= 64, let bytes = self.source.read(at: element.dataStart, length: Int(element.length)) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
