import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Seeding `reelay bench e2e` through the sandbox's and the API's HTTP endpoints, as a user would.
extension E2EBenchmark {
    /// What the seeding made.
    struct Seeded {
        /// The imported accounts, in campaign order.
        var accountIDs: [String]
        /// Media uploaded (each account posts each of them once, or the first few for the last account).
        var media: Int
        /// Campaigns created, not started yet.
        var campaigns: [String]
    }

    /// TikTok's documented limit is 6 video inits per minute per creator token; 5 posts per account stay under it.
    static let postsPerAccount = 5

    /// Creators in the sandbox, imported as accounts; up to 5 videos uploaded; campaigns of exactly `--posts` posts:
    /// `media × full` accounts labelled `e2e-a`, and the remainder as the first media of one account labelled `e2e-b`.
    func seed(_ run: Run, base: String, key: String) async throws -> Seeded {
        let posts = self.options.posts
        let media = min(Self.postsPerAccount, posts)
        let full = posts / media
        let remainder = posts % media
        var rows: [[String: Any]] = []
        for index in 0..<(full + (remainder > 0 ? 1 : 0)) {
            rows.append(try await self.creatorRow(run, index: index, label: index < full ? "e2e-a" : "e2e-b"))
        }
        var accountIDs: [String] = []
        for chunk in stride(from: 0, to: rows.count, by: 10_000) {
            accountIDs += try await self.importAccounts(Array(rows[chunk..<min(chunk + 10_000, rows.count)]), run: run, base: base, key: key)
        }
        var mediaIDs: [String] = []
        for index in 0..<media {
            mediaIDs.append(try await self.uploadVideo(index: index, run: run, base: base, key: key))
        }
        var campaigns = [try await self.createCampaign("a", media: mediaIDs, label: "e2e-a", run: run, base: base, key: key)]
        if remainder > 0 {
            campaigns.append(try await self.createCampaign("b", media: Array(mediaIDs.prefix(remainder)), label: "e2e-b", run: run, base: base, key: key))
        }
        return Seeded(accountIDs: accountIDs, media: media, campaigns: campaigns)
    }

    /// Adds `--tiktok-latency-ms` to every TikTok API endpoint of the sandbox.
    func setLatency(_ run: Run) async throws {
        guard self.options.tiktokLatencyMs > 0 else { return }
        for endpoint in ["token", "revoke", "creator_info", "video_init", "inbox_init", "upload", "status", "cancel"] {
            let body = try JSONSerialization.data(withJSONObject: ["endpoint": endpoint, "latency_ms": self.options.tiktokLatencyMs])
            let reply = try await APIBenchmark.send(run.client, .POST, run.sandboxURL + "/_sandbox/faults", key: nil, body: body)
            guard reply.status == 200 else { throw BenchmarkFailure(description: "setting the sandbox's \(endpoint) latency answered \(reply.status)") }
        }
    }

    /// A sandbox creator (daily cap 15, TikTok's default) and a token for it, as one row of an account import.
    private func creatorRow(_ run: Run, index: Int, label: String) async throws -> [String: Any] {
        let nickname = "E2E \(index)"
        let creator = try await APIBenchmark.send(
            run.client, .POST, run.sandboxURL + "/_sandbox/creators", key: nil,
            body: try JSONSerialization.data(withJSONObject: ["nickname": nickname, "daily_post_cap": 15] as [String: Any]))
        guard creator.status == 201, let openID = creator.json["open_id"] as? String else {
            throw BenchmarkFailure(description: "POST /_sandbox/creators answered \(creator.status)")
        }
        let grant = try await APIBenchmark.send(
            run.client, .POST, run.sandboxURL + "/_sandbox/tokens", key: nil, body: try JSONSerialization.data(withJSONObject: ["open_id": openID]))
        let token = grant.json
        guard grant.status == 201, let access = token["access_token"] as? String, let refresh = token["refresh_token"] as? String,
            let expiresIn = token["expires_in"] as? Int, let refreshExpiresIn = token["refresh_expires_in"] as? Int
        else {
            throw BenchmarkFailure(description: "POST /_sandbox/tokens answered \(grant.status) without a token")  // never the body: it holds tokens
        }
        let formatter = ISO8601DateFormatter()
        return [
            "open_id": openID, "access_token": access, "access_token_expires_at": formatter.string(from: Date().addingTimeInterval(Double(expiresIn))),
            "refresh_token": refresh, "refresh_token_expires_at": formatter.string(from: Date().addingTimeInterval(Double(refreshExpiresIn))),
            "scopes": (token["scope"] as? String ?? "").split(separator: ",").map(String.init), "nickname": nickname, "labels": [label],
            "daily_cap": 15,
        ]
    }

    /// `POST /api/v1/accounts/import` of up to 10,000 rows; answers the new accounts' ids in row order.
    private func importAccounts(_ rows: [[String: Any]], run: Run, base: String, key: String) async throws -> [String] {
        let reply = try await APIBenchmark.send(
            run.client, .POST, base + "/api/v1/accounts/import", key: key, body: try JSONSerialization.data(withJSONObject: ["rows": rows]))
        let results = reply.json["rows"] as? [[String: Any]] ?? []
        let ids = results.compactMap { $0["account_id"] as? String }
        guard reply.status == 200, reply.json["imported"] as? Int == rows.count, ids.count == rows.count else {
            // The answer names rows and fields, never a token.
            throw BenchmarkFailure(description: "importing \(rows.count) accounts answered \(reply.status): \(reply.text.prefix(300))")
        }
        return ids
    }

    /// Uploads video number `index` with `POST /api/v1/media` (multipart); answers its media id.
    private func uploadVideo(index: Int, run: Run, base: String, key: String) async throws -> String {
        let boundary = "reelay-bench-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e2e-\(index).mp4\"\r\n".utf8)
        body.append(Data("Content-Type: video/mp4\r\n\r\n".utf8))
        body.append(Self.sampleVideo(variant: index))
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let reply = try await APIBenchmark.send(
            run.client, .POST, base + "/api/v1/media", key: key, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw BenchmarkFailure(description: "uploading a video answered \(reply.status): \(reply.text.prefix(300))")
        }
        return id
    }

    /// A direct-post campaign of `media` to the accounts labelled `label`, published now; answers its id.
    private func createCampaign(_ name: String, media: [String], label: String, run: Run, base: String, key: String) async throws -> String {
        let body: [String: Any] = [
            "name": "bench e2e \(name)", "mode": "direct_post", "media_ids": media,
            // Unique per post across both campaigns, so the sandbox check can spot a post published twice.
            "caption_template": "bench e2e \(name){index} by {account.nickname}", "post_settings": ["privacy_level": "SELF_ONLY"],
            "account_selection": ["labels": [label]], "strategy": "round_robin", "schedule": ["type": "now"],
        ]
        let reply = try await APIBenchmark.send(run.client, .POST, base + "/api/v1/campaigns", key: key, body: try JSONSerialization.data(withJSONObject: body))
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw BenchmarkFailure(description: "creating a campaign answered \(reply.status): \(reply.text.prefix(300))")
        }
        return id
    }

    /// A small MP4 the API's container sniffer reads as an 8 s, 1080×1920 H.264 video (the boxes of
    /// `scripts/sample-video.py`: ftyp, mdat, moov with mvhd, tkhd, hdlr and an avc1 sample description); `variant`
    /// changes the media bytes, so each upload is a distinct file. Not decodable frames: with ffprobe installed, the API
    /// refuses it.
    static func sampleVideo(variant: Int, mediaBytes: Int = 300_000) -> Data {
        func box(_ kind: String, _ payload: [UInt8]) -> [UInt8] { Self.bigEndian(UInt32(8 + payload.count)) + Array(kind.utf8) + payload }
        let durationMs: UInt32 = 8000
        let ftyp = box("ftyp", Array("isom".utf8) + Self.bigEndian(512) + Array("isomiso2avc1mp41".utf8))
        let mdat = box("mdat", (0..<mediaBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7 &+ variant &* 101) })
        let mvhd = box("mvhd", [UInt8](repeating: 0, count: 4) + [0, 0, 1000, durationMs].flatMap(Self.bigEndian) + [UInt8](repeating: 0, count: 80))
        var tkhd: [UInt8] = [0, 0, 0, 3] + [0, 0, 1, 0, durationMs].flatMap(Self.bigEndian) + [UInt8](repeating: 0, count: 8 + 2 + 2 + 2 + 2 + 36)
        tkhd += Self.bigEndian(1080 << 16) + Self.bigEndian(1920 << 16)
        let hdlr = box(
            "hdlr", [UInt8](repeating: 0, count: 4) + Self.bigEndian(0) + Array("vide".utf8) + [UInt8](repeating: 0, count: 12) + Array("VideoHandler\0".utf8))
        let stsd = box("stsd", [UInt8](repeating: 0, count: 4) + Self.bigEndian(1) + box("avc1", [UInt8](repeating: 0, count: 78)))
        let mdia = box("mdia", hdlr + box("minf", box("stbl", stsd)))
        let moov = box("moov", mvhd + box("trak", box("tkhd", tkhd) + mdia))
        return Data(ftyp + mdat + moov)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
