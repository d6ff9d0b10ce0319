import Crypto
import Domain
import Foundation
import JobQueue
import Logging
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime
import Publishing
import TikTok

/// The Media routes: streamed uploads into the media root, the records, and signed downloads for workers on other
/// hosts.
extension APIHandlers {
    func listMedia(_ input: Operations.ListMedia.Input) async throws -> Operations.ListMedia.Output {
        let page = try await self.mediaRecords.list(page: Self.page(cursor: input.query.cursor, limit: input.query.limit))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.media), nextCursor: page.nextCursor))))
    }

    /// Streams the `file` part into the store (hashed and probed on the way), then writes the record; a failed
    /// insert removes the file, so a refused upload leaves nothing behind.
    func uploadMedia(_ input: Operations.UploadMedia.Input) async throws -> Operations.UploadMedia.Output {
        guard case .multipartForm(let parts) = input.body else {
            throw APIError(.badRequest, code: "invalid_request", message: "send the video as multipart/form-data with a part named file")
        }
        var stored: StoredMedia?
        do {
            for try await part in parts {
                switch part {
                case .file(let file):
                    guard stored == nil else {
                        throw APIError(
                            .badRequest, code: "invalid_request", message: "send exactly one part named file",
                            details: [FieldProblem(field: "file", problem: "is given more than once")])
                    }
                    do {
                        stored = try await self.mediaStore.ingest(filename: file.filename ?? "upload", contentType: nil, chunks: file.payload.body)
                    } catch {
                        throw Self.apiError(error)
                    }
                }
            }
        } catch let error as APIError {
            if let stored { try? self.mediaStore.remove(stored.relativePath) }
            throw error
        } catch {
            // The multipart reader's own refusals: a malformed body, a part other than `file`, a missing part.
            if let stored { try? self.mediaStore.remove(stored.relativePath) }
            throw APIError(
                .badRequest, code: "invalid_request", message: "the body must be multipart/form-data with exactly one part, named file",
                details: [FieldProblem(field: "file", problem: "is missing, repeated or beside other parts")])
        }
        guard let stored else { throw APIError.validation([FieldProblem(field: "file", problem: "is required")]) }
        // An Idempotency-Key is judged here, on the file's SHA-256 and name (the multipart body's boundary differs
        // between two sends of the same file, so the middleware cannot fingerprint it).
        let claim = try await self.claimUpload(key: input.headers.idempotencyKey, stored: stored)
        if let replayed = claim.replayed {
            try? self.mediaStore.remove(stored.relativePath)
            return .created(.init(body: .json(replayed)))
        }
        let record = NewMedia(
            path: stored.relativePath, originalName: stored.originalName, contentType: stored.contentType, sizeBytes: stored.sizeBytes,
            sha256: Self.bytes(hex: stored.sha256), probe: Self.probe(stored.info))
        let media: Media
        do {
            media = try await self.mediaRecords.insert(record)
        } catch {
            try? self.mediaStore.remove(stored.relativePath)
            if let owner = claim.owner { try? await IdempotencyRepository(client: self.postgres).abandon(apiKeyID: owner.apiKeyID, key: owner.key) }
            throw error
        }
        if let owner = claim.owner {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            try await IdempotencyRepository(client: self.postgres).finish(
                apiKeyID: owner.apiKeyID, key: owner.key, status: 201, contentType: "application/json; charset=utf-8",
                body: try encoder.encode(Self.media(media)))
        }
        self.logger.info("media uploaded", metadata: ["media.id": "\(Self.text(media.id))", "media.size": "\(media.sizeBytes)"])
        return .created(.init(body: .json(Self.media(media))))
    }

    func getMedia(_ input: Operations.GetMedia.Input) async throws -> Operations.GetMedia.Output {
        .ok(.init(body: .json(Self.media(try await self.mediaRecords.get(id: Self.uuid(input.path.id))))))
    }

    /// Deletes the record (refused while an unfinished post or campaign uses it), then the file.
    func deleteMedia(_ input: Operations.DeleteMedia.Input) async throws -> Operations.DeleteMedia.Output {
        let deletion = try await self.mediaRecords.delete(id: Self.uuid(input.path.id))
        do {
            try self.mediaStore.remove(deletion.path)
        } catch where error.code == .notFound {
            // Already gone (a second API process, an operator): the record was the last trace.
        } catch {
            self.logger.warning("media record deleted but its file was not", metadata: ["media.error": "\(error.code)"])
        }
        return .noContent(.init())
    }

    /// Streams a stored file to a holder of a valid, unexpired signed URL (no API key: workers on other hosts).
    func downloadMedia(_ input: Operations.DownloadMedia.Input) async throws -> Operations.DownloadMedia.Output {
        guard let id = UUID(uuidString: input.path.id) else {
            throw APIError(.forbidden, code: "invalid_signature", message: "the download URL is invalid or expired")
        }
        let now = try await self.clock.now()
        let valid = self.mediaURLVerifiers.contains { $0.verify(mediaID: id, expires: Int(clamping: input.query.expires), signature: input.query.signature, now: now) }
        guard valid else { throw APIError(.forbidden, code: "invalid_signature", message: "the download URL is invalid or expired") }
        let media = try await self.mediaRecords.get(id: id)
        let contents: MediaFileContents
        do {
            contents = try self.mediaStore.contents(of: media.path)
        } catch {
            throw Self.apiError(error)
        }
        let body = HTTPBody(contents.map { ArraySlice($0.readableBytesView) }, length: .known(contents.size), iterationBehavior: .single)
        return .ok(.init(headers: .init(contentLength: contents.size, xContentSHA256: media.sha256Hex), body: .binary(body)))
    }

    /// The outcome of an upload's `Idempotency-Key`: nothing to do (no key), this request owns the key (`owner`), or
    /// the first answer to give again (`replayed`).
    struct UploadClaim {
        var owner: (apiKeyID: UUID, key: String)?
        var replayed: Components.Schemas.Media?
    }

    func claimUpload(key: String?, stored: StoredMedia) async throws -> UploadClaim {
        guard let key, let caller = Caller.current else { return UploadClaim() }
        guard IdempotencyMiddleware<BasicRequestContext>.isValidKey(key) else {
            try? self.mediaStore.remove(stored.relativePath)
            throw APIError.validation([FieldProblem(field: "Idempotency-Key", problem: "must be 1 to 255 printable ASCII characters")])
        }
        let fingerprint = Data(SHA256.hash(data: Data("POST /api/v1/media\n\(stored.sha256)\n\(stored.originalName)".utf8)))
        let records = IdempotencyRepository(client: self.postgres)
        switch try await records.begin(apiKeyID: caller.apiKeyID, key: key, requestHash: fingerprint, now: try await self.clock.now()) {
        case .proceed:
            return UploadClaim(owner: (caller.apiKeyID, key))
        case .replay(_, _, let body):
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            guard let media = try? decoder.decode(Components.Schemas.Media.self, from: body) else {
                try? self.mediaStore.remove(stored.relativePath)
                throw APIError(.conflict, code: "idempotency_key_reused", message: "this Idempotency-Key's first answer was not an upload")
            }
            return UploadClaim(replayed: media)
        case .mismatch:
            try? self.mediaStore.remove(stored.relativePath)
            throw APIError(.conflict, code: "idempotency_key_reused", message: "this Idempotency-Key was used with a different file")
        case .inProgress:
            try? self.mediaStore.remove(stored.relativePath)
            throw APIError(.conflict, code: "idempotency_in_progress", message: "an upload with this Idempotency-Key is still running", headers: [.retryAfter: "1"])
        }
    }

    var mediaRecords: MediaRepository { MediaRepository(client: self.postgres) }

    var mediaStore: MediaStore { MediaStore(root: self.configuration.mediaRoot, maxBytes: self.configuration.maxUpload, probe: MediaProbe(ffprobe: self.configuration.ffprobe)) }

    /// Signs new media URLs with a key derived from the current encryption key.
    var mediaURLSigner: MediaURLSigner { MediaURLSigner.current(self.cipher.keyring) }

    /// Checks URLs signed with any key of the ring, so a key rotation does not break URLs already in queued jobs.
    var mediaURLVerifiers: [MediaURLSigner] { MediaURLSigner.verifiers(self.cipher.keyring) }

    static let mediaURLPurpose = MediaURLSigner.purpose

    /// A media error as the API's answer: 413 for too large, 404 for a missing file, 422 for what TikTok would refuse,
    /// 400 for a broken upload, 500 for the disk.
    static func apiError(_ error: MediaError) -> APIError {
        let message = error.message ?? "the media was refused"
        switch error.code {
        case .tooLarge: return APIError(.contentTooLarge, code: error.code.rawValue, message: message)
        case .notFound: return APIError(.notFound, code: error.code.rawValue, message: "the media file is missing")
        case .interrupted, .invalidPath: return APIError(.badRequest, code: error.code.rawValue, message: message)
        case .io: return APIError(.internalServerError, code: "internal_error", message: "the server could not store the file")
        default:
            return APIError(.unprocessableContent, code: error.code.rawValue, message: message, details: [FieldProblem(field: "file", problem: message)])
        }
    }

    /// What the probe found, as the record's `probe` JSON.
    static func probe(_ info: MediaInfo) -> [String: JSONValue] {
        var probe: [String: JSONValue] = ["container": .string(info.container.rawValue), "source": .string(info.source.rawValue)]
        if let duration = info.durationSeconds { probe["duration_seconds"] = .number(duration) }
        if let width = info.width { probe["width"] = .number(Double(width)) }
        if let height = info.height { probe["height"] = .number(Double(height)) }
        if let codec = info.videoCodec { probe["codec"] = .string(codec) }
        return probe
    }

    static func media(_ media: Media) -> Components.Schemas.Media {
        Components.Schemas.Media(
            id: Self.text(media.id), filename: media.originalName ?? String(media.path.split(separator: "/").last ?? ""), sizeBytes: media.sizeBytes,
            sha256: media.sha256Hex, contentType: media.contentType, durationSeconds: media.durationSeconds,
            width: media.probe["width"]?.numberValue.map { Int($0) }, height: media.probe["height"]?.numberValue.map { Int($0) },
            codec: media.probe["codec"]?.stringValue, createdAt: media.createdAt)
    }

    /// Hex text as bytes (the store's SHA-256 is well-formed hex).
    static func bytes(hex: String) -> Data {
        var data = Data(capacity: hex.utf8.count / 2)
        var high: UInt8?
        for digit in hex.utf8 {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
            default: continue
            }
            if let pending = high {
                data.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return data
    }
}
