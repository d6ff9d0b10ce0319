import Foundation
import NIOCore
import NIOFoundationCompat

/// `length` bytes of a file from `offset`, as an async sequence of pieces of at most `pieceSize` bytes: an upload
/// body that never holds more than one piece. The file opens on the first read and closes when the iterator goes.
///
/// Reads use `FileHandle` on the calling task: one bounded `read` of a local file per piece (default 1 MiB), which the
/// module's import rules prefer over pulling NIOPosix's file I/O into the TikTok layer.
struct FilePieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let offset: Int64
    let length: Int64
    let pieceSize: Int

    func makeAsyncIterator() -> Iterator { Iterator(pieces: self) }

    /// Reads the next piece on demand.
    struct Iterator: AsyncIteratorProtocol {
        let pieces: FilePieces
        var remaining: Int64
        var handle: FileHandle?

        init(pieces: FilePieces) {
            self.pieces = pieces
            self.remaining = pieces.length
        }

        mutating func next() async throws -> ByteBuffer? {
            guard self.remaining > 0 else {
                try? self.handle?.close()
                self.handle = nil
                return nil
            }
            try Task.checkCancellation()
            let handle = try self.openHandle()
            let wanted = Int(Swift.min(Int64(self.pieces.pieceSize), self.remaining))
            guard let data = try? handle.read(upToCount: wanted), !data.isEmpty else {
                throw TikTokError(.fileUnreadable, message: "the file ended or failed before the chunk did")
            }
            self.remaining -= Int64(data.count)
            return ByteBuffer(data: data)
        }

        private mutating func openHandle() throws -> FileHandle {
            if let handle = self.handle { return handle }
            guard let handle = FileHandle(forReadingAtPath: self.pieces.path) else {
                throw TikTokError(.fileUnreadable, message: "cannot open the video file")
            }
            do {
                try handle.seek(toOffset: UInt64(self.pieces.offset))
            } catch {
                throw TikTokError(.fileUnreadable, message: "cannot seek in the video file")
            }
            self.handle = handle
            return handle
        }
    }
}
