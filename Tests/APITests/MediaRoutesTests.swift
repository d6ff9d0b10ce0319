import Crypto
import Domain
import Foundation
import Logging
import NIOHTTP1
import Postgres
import Publishing
import TikTok
import TestSupport
import Testing

@testable import API

/// `POST/GET/DELETE /api/v1/media` and the signed `/media-files/{id}` downloads, against a real PostgreSQL, Redis
/// and media root. Uploads are probed by container sniffing (ffprobe off), so the synthetic files' headers decide.
@Suite struct MediaRoutesTests {
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    static func upload(_ api: APIHarness, key: String, bytes: [UInt8], filename: String = "clip.mp4", idempotencyKey: String? = nil)
        async throws -> (status: Int, body: [String: Any])
    {
        let form = APIHarness.multipart(filename: filename, data: Data(bytes), boundary: "b-\(UUID().uuidString)")
        let reply = try await api.sendRaw(
            .POST, "/api/v1/media", key: key, body: form.body, contentType: form.contentType,
            headers: idempotencyKey.map { [("Idempotency-Key", $0)] } ?? [])
        return (reply.status, (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:])
    }

    static func errorCode(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["code"] as? String }

    static func mediaRows(_ api: APIHarness) async throws -> Int {
        try await api.postgres.query("SELECT count(*) AS n FROM media").first?.decode("n", as: Int.self) ?? -1
    }

    @Test func anUploadIsStoredHashedProbedListedAndDownloadableThroughASignedURL() async throws {
        try await withAPI(configure: { $0.ffprobe = .disabled }) { api in
            let editor = try await api.key(.editor)
            let bytes = MediaFixture.mp4(mediaBytes: 300_000, durationMs: 12_500, width: 1080, height: 1920)
            let created = try await Self.upload(api, key: editor, bytes: bytes, filename: "../../etc/My Clip.mp4")
            #expect(created.status == 201)
            let id = try #require(created.body["id"] as? String)
            #expect(created.body["sha256"] as? String == Self.sha256(bytes))
            #expect(created.body["size_bytes"] as? Int == bytes.count)
            #expect(created.body["filename"] as? String == "My Clip.mp4")
            #expect(created.body["content_type"] as? String == "video/mp4")
            #expect(created.body["width"] as? Int == 1080)
            #expect(created.body["height"] as? Int == 1920)
            #expect((created.body["duration_seconds"] as? Double).map { abs($0 - 12.5) < 0.01 } == true)

            // The file sits under the media root, byte for byte, and nothing is left in the incoming folder.
            let record = try await MediaRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id)))
            let stored = try Data(contentsOf: URL(fileURLWithPath: api.configuration.mediaRoot + "/" + record.path))
            #expect(stored == Data(bytes))
            #expect(MediaFixture.files(under: api.configuration.mediaRoot + "/.incoming").isEmpty)

            let viewer = try await api.key(.viewer)
            let list = try await api.send(.GET, "/api/v1/media", key: viewer)
            #expect(list.status == 200)
            #expect((list.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let one = try await api.send(.GET, "/api/v1/media/\(id)", key: viewer)
            #expect(one.status == 200)
            #expect(one.body["sha256"] as? String == Self.sha256(bytes))

            // A worker on another host fetches it through a signed URL, without an API key.
            let signer = try Self.signer()
            let url = signer.url(base: api.baseURL, mediaID: record.id, expires: Date().addingTimeInterval(600))
            let download = try await api.sendRaw(.GET, url)
            #expect(download.status == 200)
            #expect(download.body == Data(bytes))
            #expect(download.headers.first(name: "X-Content-SHA256") == Self.sha256(bytes))

            // A changed signature, another media's id or an expired URL are refused.
            let tampered = url.replacingOccurrences(of: "signature=", with: "signature=0") .dropLast()
            #expect(try await api.sendRaw(.GET, String(tampered)).status == 403)
            let otherID = url.replacingOccurrences(of: id, with: UUID().uuidString.lowercased())
            #expect(try await api.sendRaw(.GET, otherID).status == 403)
            let expired = signer.url(base: api.baseURL, mediaID: record.id, expires: Date().addingTimeInterval(-5))
            let refused = try await api.sendRaw(.GET, expired)
            #expect(refused.status == 403)
            #expect(refused.body.count < 1000)
            #expect(try await api.sendRaw(.GET, "/media-files/\(id)?expires=1&signature=zz").status == 403)
            #expect(try await api.sendRaw(.GET, "/media-files/\(id)?expires=soon&signature=zz").status == 400)
        }
    }

    @Test func refusedUploadsLeaveNothingBehind() async throws {
        try await withAPI(configure: { $0.ffprobe = .disabled; $0.maxUpload = 200_000 }) { api in
            let editor = try await api.key(.editor)
            // Not a video.
            let text = try await Self.upload(api, key: editor, bytes: Array("just some text, not a video at all".utf8), filename: "x.mp4")
            #expect(text.status == 422)
            #expect(Self.errorCode(text.body) == "media_unsupported_format")
            // Too short for TikTok (1 s < 3 s).
            let short = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4(durationMs: 1000))
            #expect(short.status == 422)
            #expect(Self.errorCode(short.body) == "media_invalid_duration")
            // Too small a picture.
            let tiny = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4(width: 100, height: 100))
            #expect(tiny.status == 422)
            #expect(Self.errorCode(tiny.body) == "media_invalid_resolution")
            // Over the configured limit: 413.
            let big = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4(mediaBytes: 250_000))
            #expect(big.status == 413)
            #expect(Self.errorCode(big.body) == "media_too_large")
            // Empty file part.
            let empty = try await Self.upload(api, key: editor, bytes: [])
            #expect(empty.status == 422)
            // No file part at all, and a body that is not multipart.
            let noFile = try await api.sendRaw(
                .POST, "/api/v1/media", key: editor, body: Data("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n".utf8),
                contentType: "multipart/form-data; boundary=b")
            #expect((400...422).contains(noFile.status))
            let json = try await api.send(.POST, "/api/v1/media", key: editor, json: "{}")
            #expect((400...415).contains(json.status))
            // A viewer cannot upload.
            let viewer = try await api.key(.viewer)
            #expect(try await Self.upload(api, key: viewer, bytes: MediaFixture.mp4()).status == 403)

            #expect(try await Self.mediaRows(api) == 0)
            #expect(MediaFixture.files(under: api.configuration.mediaRoot).isEmpty)
        }
    }

    @Test func deleteIsRefusedWhileACampaignUsesTheMediaAndRemovesTheFileOtherwise() async throws {
        try await withAPI(configure: { $0.ffprobe = .disabled }) { api in
            let editor = try await api.key(.editor)
            let first = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4())
            let second = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4(mediaBytes: 2048))
            let used = try #require(first.body["id"] as? String)
            let free = try #require(second.body["id"] as? String)
            let campaign = try await api.send(
                .POST, "/api/v1/campaigns", key: editor,
                json: """
                    {"name": "uses the first", "mode": "direct_post", "media_ids": ["\(used)"], "caption_template": "hi",
                     "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"labels": ["nobody"]},
                     "strategy": "round_robin", "schedule": {"type": "now"}}
                    """)
            #expect(campaign.status == 201)

            let refused = try await api.send(.DELETE, "/api/v1/media/\(used)", key: editor)
            #expect(refused.status == 409)
            #expect(Self.errorCode(refused.body) == "in_use")
            #expect(try await api.send(.GET, "/api/v1/media/\(used)", key: editor).status == 200)

            let viewer = try await api.key(.viewer)
            #expect(try await api.send(.DELETE, "/api/v1/media/\(free)", key: viewer).status == 403)
            let freeRecord = try await MediaRepository(client: api.postgres).get(id: try #require(UUID(uuidString: free)))
            #expect(try await api.send(.DELETE, "/api/v1/media/\(free)", key: editor).status == 204)
            #expect(try await api.send(.GET, "/api/v1/media/\(free)", key: editor).status == 404)
            #expect(!FileManager.default.fileExists(atPath: api.configuration.mediaRoot + "/" + freeRecord.path))
            #expect(try await api.send(.DELETE, "/api/v1/media/\(free)", key: editor).status == 404)
            #expect(try await api.send(.DELETE, "/api/v1/media/not-a-uuid", key: editor).status == 400)
        }
    }

    @Test func anUploadWithAnIdempotencyKeyIsStoredOnceAndAnotherFileWithTheKeyIsRefused() async throws {
        try await withAPI(configure: { $0.ffprobe = .disabled }) { api in
            let editor = try await api.key(.editor)
            let bytes = MediaFixture.mp4(mediaBytes: 5000)
            let first = try await Self.upload(api, key: editor, bytes: bytes, idempotencyKey: "upload-1")
            let again = try await Self.upload(api, key: editor, bytes: bytes, idempotencyKey: "upload-1")
            #expect(first.status == 201 && again.status == 201)
            #expect(again.body["id"] as? String == first.body["id"] as? String)
            #expect(again.body["created_at"] as? String == first.body["created_at"] as? String)
            let other = try await Self.upload(api, key: editor, bytes: MediaFixture.mp4(mediaBytes: 6000), idempotencyKey: "upload-1")
            #expect(other.status == 409)
            #expect(Self.errorCode(other.body) == "idempotency_key_reused")
            #expect(try await Self.mediaRows(api) == 1)
            #expect(MediaFixture.files(under: api.configuration.mediaRoot).filter { !$0.hasPrefix(".incoming") }.count == 1)
        }
    }

    /// A signer with the harness server's key (derived from its encryption key the same way).
    static func signer() throws -> MediaURLSigner {
        let keyring = try TokenCipher(keySetting: "k1:" + Data(repeating: 0x44, count: 32).base64EncodedString()).keyring
        return MediaURLSigner(secret: try #require(keyring.derivedKey(purpose: APIHandlers.mediaURLPurpose, keyID: "k1")))
    }
}
