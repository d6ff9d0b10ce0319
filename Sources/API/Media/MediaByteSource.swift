import Foundation

/// Random-access reads for ``MediaSniffer``: every read is bounded and may fail, so a hostile or truncated file
/// only ends the walk early.
protocol MediaByteSource {
    /// The number of bytes.
    var count: Int64 { get }
    /// Exactly `length` bytes from `offset`, or nil when they are not all there.
    func read(at offset: Int64, length: Int) -> [UInt8]?
}

/// Bytes in memory (tests, small headers).
struct ArrayByteSource: MediaByteSource {
    let bytes: [UInt8]
    var count: Int64 { Int64(self.bytes.count) }

    func read(at offset: Int64, length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= self.count, Int64(length) <= self.count - offset else { return nil }
        let start = Int(offset)
        return Array(self.bytes[start..<(start + length)])
    }
}

/// A local file, read with `FileHandle` (bounded reads of a local file, like the worker's `FilePieces`).
final class FileByteSource: MediaByteSource {
    private let handle: FileHandle
    let count: Int64

    /// Opens `path`; nil when it cannot be opened or sized.
    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        guard let end = try? handle.seekToEnd(), let count = Int64(exactly: end) else {
            try? handle.close()
            return nil
        }
        self.handle = handle
        self.count = count
    }

    deinit { try? self.handle.close() }

    func read(at offset: Int64, length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= self.count, Int64(length) <= self.count - offset else { return nil }
        guard length > 0 else { return [] }
        guard (try? self.handle.seek(toOffset: UInt64(offset))) != nil, let data = try? self.handle.read(upToCount: length),
            data.count == length
        else { return nil }
        return Array(data)
    }
}

/// Big-endian integers from byte arrays, bounds-checked.
extension Array where Element == UInt8 {
    func bigEndian(at index: Int, width: Int) -> UInt64? {
        guard index >= 0, width > 0, width <= 8, index <= self.count - width else { return nil }
        var value: UInt64 = 0
        for byte in self[index..<(index + width)] { value = value << 8 | UInt64(byte) }
        return value
    }

    func fourCC(at index: Int) -> String? {
        guard index >= 0, index <= self.count - 4 else { return nil }
        return String(decoding: self[index..<(index + 4)], as: UTF8.self)
    }
}
