import Crypto
import Foundation
import NIOCore
import Synchronization

/// Accepts chunk PUTs like TikTok's upload host: hashes the bytes as they stream in (keeping none), answers 206 with
/// `Content-Range: bytes 0-{last}/{total}` until the last byte, then 201.
final class UploadSinkHandler: RawHTTPServer.Handler {
    private struct State {
        var hasher = SHA256()
        var received = 0
        var requests: [String] = []
    }
    private let state = Mutex(State())

    func consume(_ piece: ByteBuffer, of request: RawRequest) async {
        self.state.withLock { state in
            piece.withUnsafeReadableBytes { state.hasher.update(bufferPointer: $0) }
            state.received += piece.readableBytes
        }
    }

    func respond(to request: RawRequest, with writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
        self.state.withLock { $0.requests.append("\(request.method) \(request.path) \(request.headers["content-range"] ?? "-")") }
        let numbers = (request.headers["content-range"] ?? "").dropFirst("bytes ".count)
            .split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
        guard request.method == "PUT", numbers.count == 3, numbers[1] - numbers[0] + 1 == request.bodyLength else {
            try await writer.reply(status: "400 Bad Request", body: "")
            return true
        }
        let status = numbers[1] == numbers[2] - 1 ? "201 Created" : "206 Partial Content"
        try await writer.reply(status: status, headers: [("Content-Range", "bytes 0-\(numbers[1])/\(numbers[2])")], body: "")
        return true
    }

    /// The SHA-256 (hex) of every byte received, the count, and the request lines seen.
    var summary: (sha256: String, bytes: Int, requests: [String]) {
        self.state.withLock { state in
            (state.hasher.finalize().map { String(format: "%02x", $0) }.joined(), state.received, state.requests)
        }
    }
}

/// The SHA-256 (hex) of a file, read in 1 MiB pieces.
func sha256(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// This process's resident set size in bytes (Linux `/proc/self/status`), or nil elsewhere.
func residentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return nil }
    return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
}
