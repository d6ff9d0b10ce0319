public import Domain
public import Foundation
public import JobQueue
import TikTok

/// Turns post rows into the publish jobs workers run: one `PublishVideo` per post, whose job id is the post's id (so
/// enqueueing a post twice is a no-op) and whose run-at is the post's. Each job carries a signed URL of its file and the
/// file's SHA-256, so a worker without the media volume can fetch and check it; the URL stays valid
/// ``mediaURLLifetime`` past the post's run time (or past `now`, for a post already due).
///
/// The API (campaign start, post routes) and the scheduler (due posts, outbox reconciler) build jobs here, so a job
/// is the same whoever pushes it.
public struct PostJobFactory: Sendable {
    /// Signs the media URLs.
    public let signer: MediaURLSigner
    /// The API's public base URL (`REELAY_PUBLIC_URL`, e.g. `https://reelay.example.com/api/v1`).
    public let publicURL: String
    /// How long a media URL stays valid past the post's run time.
    public let mediaURLLifetime: Duration

    /// A factory signing with `signer`.
    public init(signer: MediaURLSigner, publicURL: String, mediaURLLifetime: Duration = .seconds(6 * 3600)) {
        self.signer = signer
        self.publicURL = publicURL
        self.mediaURLLifetime = mediaURLLifetime
    }

    /// The publish jobs of `posts`, in order. `digests` maps media ids to their SHA-256 as lowercase hex. One signature
    /// is made per file and expiry (a campaign's posts share most of them).
    /// - Throws: `JobQueueError` when a job does not encode (never for valid rows).
    public func requests(_ posts: some Collection<PlannedPost>, digests: [UUID: String], now: Date) throws -> [JobRequest] {
        let lifetime = Double(self.mediaURLLifetime.components.seconds)
        var urls: [String: String] = [:]
        var requests: [JobRequest] = []
        requests.reserveCapacity(posts.count)
        for post in posts {
            var info = PostInfo(
                privacyLevel: TikTok.PrivacyLevel(rawValue: post.postSettings.privacyLevel.rawValue), title: post.caption.isEmpty ? nil : post.caption)
            info.disableComment = post.postSettings.disableComment
            info.disableDuet = post.postSettings.disableDuet
            info.disableStitch = post.postSettings.disableStitch
            info.brandContentToggle = post.postSettings.brandContentToggle
            info.brandOrganicToggle = post.postSettings.brandOrganicToggle
            info.isAIGC = post.postSettings.isAIGC
            info.videoCoverTimestampMs = post.postSettings.videoCoverTimestampMs.map { Int32(clamping: $0) }
            let expires = max(post.runAt, now).addingTimeInterval(lifetime)
            let urlKey = "\(post.mediaID) \(Int(expires.timeIntervalSince1970))"
            let url = urls[urlKey] ?? self.signer.url(base: self.publicURL, mediaID: post.mediaID, expires: expires)
            urls[urlKey] = url
            let job = PublishVideo(
                accountID: post.accountID.uuidString.lowercased(), mediaPath: post.mediaPath, videoSize: post.sizeBytes,
                contentType: post.contentType, durationSeconds: post.durationSeconds.map { Int($0.rounded(.up)) },
                mode: post.mode == .inbox ? .inbox : .direct, postInfo: post.mode == .inbox ? nil : info, dailyCap: post.dailyCap,
                timeZone: post.timeZone, mediaURL: url, mediaSHA256: digests[post.mediaID], traceParent: post.traceParent)
            requests.append(
                try JobRequest(job, options: EnqueueOptions(id: JobID(post.id), runAt: post.runAt > now ? post.runAt : nil, maxAttempts: post.maxAttempts)))
        }
        return requests
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
