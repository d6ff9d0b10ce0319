import Foundation
import Synchronization
import TikTok

/// A temporary video file of a given size starting with an MP4 `ftyp` box, deleted when the value goes.
final class TestFile: Sendable {
    let path: String
    let size: Int

    /// A file of `size` bytes: a valid `ftyp` header, then a repeating byte pattern. `sparse` leaves a hole after the
    /// header instead (fast to create, reads as zeros): for memory tests of large uploads.
    init(size: Int, sparse: Bool = false) throws {
        self.size = size
        self.path = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-\(UUID().uuidString).mp4").path
        let header: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0] + Array("mp42isom".utf8)
        guard FileManager.default.createFile(atPath: self.path, contents: nil), let handle = FileHandle(forWritingAtPath: self.path) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? handle.close() }
        if sparse {
            try handle.write(contentsOf: Data(header.prefix(size)))
            try handle.truncate(atOffset: UInt64(size))
            return
        }
        // The pattern byte at offset p is p·31+7 (mod 256): period 256, so every 1 MiB piece is the same.
        let pattern = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var written = 0
        while written < size {
            var piece = Array(pattern[0..<min(pattern.count, size - written)])
            if written == 0 { for index in 0..<min(header.count, piece.count) { piece[index] = header[index] } }
            try handle.write(contentsOf: Data(piece))
            written += piece.count
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }

    /// The whole content (small files only).
    var bytes: [UInt8] { Array(FileManager.default.contents(atPath: self.path) ?? Data()) }
}

/// Progress reports collected by an upload's callback.
final class ProgressLog: Sendable {
    private let reports = Mutex<[UploadProgress]>([])
    func add(_ report: UploadProgress) { self.reports.withLock { $0.append(report) } }
    var all: [UploadProgress] { self.reports.withLock { $0 } }
}
