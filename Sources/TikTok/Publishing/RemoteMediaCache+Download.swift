import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension RemoteMediaCache {
    /// Streams `url` into `<path>.part-<uuid>` (one body piece in memory at a time), checks the size as it goes and
    /// the SHA-256 at the end, then renames it to `path`. On any failure the part file is removed.
    func download(url: String, to path: String, sha256: String, size: Int64) async throws(RemoteMediaError) {
        let partPath = path + ".part-" + UUID().uuidString.lowercased()
        let host = URL(string: url)?.host ?? "?"
        guard FileManager.default.createFile(atPath: partPath, contents: nil), let handle = FileHandle(forWritingAtPath: partPath) else {
            throw RemoteMediaError(.io, message: "cannot create a file in the cache folder")
        }
        var kept = false
        defer {
            try? handle.close()
            if !kept { try? FileManager.default.removeItem(atPath: partPath) }
        }
        self.logger.info("downloading media", metadata: ["media.sha256": "\(sha256.prefix(12))", "bytes": "\(size)", "host": "\(host)"])
        var hasher = SHA256()
        var received: Int64 = 0
        do {
            let request = HTTPClientRequest(url: url)
            let response = try await self.client.execute(request, timeout: TimeAmount(self.configuration.downloadTimeout))
            let status = Int(response.status.code)
            guard status == 200 else {
                let code: RemoteMediaError.Code = [403, 404, 410].contains(status) ? .unavailable : .download
                throw RemoteMediaError(code, httpStatus: status, message: "the media server at \(host) answered \(status)")
            }
            if let declared = response.headers.first(name: "content-length").flatMap(Int64.init), declared != size {
                throw RemoteMediaError(.sizeMismatch, httpStatus: status, message: "the server declares \(declared) bytes, the post expects \(size)")
            }
            for try await piece in response.body {
                received += Int64(piece.readableBytes)
                guard received <= size else {
                    throw RemoteMediaError(.sizeMismatch, httpStatus: status, message: "the body passes the expected \(size) bytes")
                }
                piece.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                do {
                    try handle.write(contentsOf: Data(buffer: piece, byteTransferStrategy: .noCopy))
                } catch {
                    throw RemoteMediaError(.io, message: "cannot write the cache file")
                }
            }
        } catch let error as RemoteMediaError {
            throw error
        } catch is CancellationError {
            throw RemoteMediaError(.download, message: "the download was cancelled")
        } catch let error as HTTPClientError {
            throw RemoteMediaError(.download, message: "downloading from \(host) failed: \(Self.describe(error))")
        } catch {
            // The connection or the HTTP parser failed (a body cut short, a reset): the type only, never the request.
            throw RemoteMediaError(.download, message: "downloading from \(host) failed: \(type(of: error))")
        }
        guard received == size else {
            throw RemoteMediaError(.sizeMismatch, httpStatus: 200, message: "received \(received) bytes, the post expects \(size)")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest == sha256 else {
            self.logger.warning("downloaded media does not match its SHA-256; deleted", metadata: ["media.sha256": "\(sha256.prefix(12))"])
            throw RemoteMediaError(.checksumMismatch, message: "the downloaded bytes hash to \(digest.prefix(12))…, not \(sha256.prefix(12))…")
        }
        try? handle.close()
        guard rename(partPath, path) == 0 else { throw RemoteMediaError(.io, message: "cannot move the download into the cache") }
        kept = true
    }

    /// The error's kind, without the request (whose URL holds the signature).
    private static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .deadlineExceeded: "timed out"
        case .readTimeout: "read timed out"
        case .connectTimeout: "connect timed out"
        case .remoteConnectionClosed: "connection closed"
        default: "network error"
        }
    }
}
