import Crypto
import Foundation

/// The temporary file an upload streams into (`<root>/.incoming/<uuid>.part`): counts and hashes each chunk as it
/// is written, refuses the chunk that would pass the limit, and removes itself unless ``finish()`` handed it on.
/// Writes go through `FileHandle`, one bounded write of a local file per chunk (as the worker's `FilePieces` reads).
final class IncomingFile {
    let path: String
    let limit: Int64
    private var handle: FileHandle?
    private var hasher = SHA256()
    private(set) var size: Int64 = 0
    private var kept = false

    /// Creates the file in `directory` (created when missing).
    init(directory: String, limit: Int64) throws(MediaError) {
        self.limit = limit
        self.path = directory + "/" + UUID().uuidString.lowercased() + ".part"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.io, message: "cannot create the incoming folder")
        }
        guard FileManager.default.createFile(atPath: self.path, contents: nil, attributes: [.posixPermissions: 0o640]),
            let handle = FileHandle(forWritingAtPath: self.path)
        else {
            throw MediaError(.io, message: "cannot create the incoming file")
        }
        self.handle = handle
    }

    deinit {
        try? self.handle?.close()
        if !self.kept { try? FileManager.default.removeItem(atPath: self.path) }
    }

    /// Appends one chunk. - Throws: ``MediaError/Code/tooLarge`` as soon as the total passes the limit.
    func append(_ chunk: some MediaChunk) throws(MediaError) {
        guard let handle = self.handle else { throw MediaError(.io, message: "the incoming file is closed") }
        let result: Result<Void, MediaError> = chunk.withMediaBytes { bytes in
            guard !bytes.isEmpty else { return .success(()) }
            guard Int64(bytes.count) <= self.limit - self.size else {
                return .failure(MediaError(.tooLarge, message: "the upload is larger than \(self.limit) bytes"))
            }
            self.hasher.update(bufferPointer: bytes)
            do {
                try handle.write(contentsOf: Data(bytes))
            } catch {
                return .failure(MediaError(.io, message: "cannot write the incoming file"))
            }
            self.size += Int64(bytes.count)
            return .success(())
        }
        try result.get()
    }

    /// Flushes and closes the file, and returns the content's SHA-256 (lowercase hex).
    func finish() throws(MediaError) -> String {
        guard let handle = self.handle else { throw MediaError(.io, message: "the incoming file is closed") }
        self.handle = nil
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw MediaError(.io, message: "cannot flush the incoming file")
        }
        return self.hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Moves the finished file to `destination` (a rename: same file system) and gives up removing it.
    func move(to destination: String) throws(MediaError) {
        let folder = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard rename(self.path, destination) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw MediaError(.io, message: "cannot move the upload into place")
        }
        self.kept = true
    }
}
