import Foundation
public import NIOCore

/// A stored file's bytes as an async sequence of `ByteBuffer` pieces (for `GET /media-files/{id}`'s streamed
/// response body): one piece in memory at a time, the file opened on the first read and closed at the end.
public struct MediaFileContents: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    /// The absolute path (already confined to the media root).
    public let path: String
    /// The size when the sequence was made (the `Content-Length` to send).
    public let size: Int64
    /// Bytes per piece.
    public let pieceSize: Int

    /// Reads the next piece on demand.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let contents: MediaFileContents
        var remaining: Int64
        var handle: FileHandle?

        /// The next piece, nil at the end. - Throws: ``MediaError/Code/io`` when the file shrank or cannot be read.
        public mutating func next() async throws -> ByteBuffer? {
            guard self.remaining > 0 else {
                try? self.handle?.close()
                self.handle = nil
                return nil
            }
            try Task.checkCancellation()
            if self.handle == nil {
                guard let opened = FileHandle(forReadingAtPath: self.contents.path) else { throw MediaError(.io, message: "cannot open the media file") }
                self.handle = opened
            }
            let wanted = Int(Swift.min(Int64(self.contents.pieceSize), self.remaining))
            guard let data = try? self.handle?.read(upToCount: wanted), !data.isEmpty else {
                throw MediaError(.io, message: "the media file ended early")
            }
            self.remaining -= Int64(data.count)
            return data.withUnsafeBytes { ByteBuffer(bytes: $0) }
        }
    }

    /// Starts reading.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(contents: self, remaining: self.size, handle: nil) }
}

extension MediaStore {
    /// The stored file at `relativePath` (resolved as ``resolve(_:)`` does), streamed in pieces of `pieceSize` bytes.
    public func contents(of relativePath: String, pieceSize: Int = 256 * 1024) throws(MediaError) -> MediaFileContents {
        let path = try self.resolve(relativePath)
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value else {
            throw MediaError(.notFound, message: "no such media file")
        }
        return MediaFileContents(path: path, size: size, pieceSize: max(4096, pieceSize))
    }
}
