import Foundation
import JobQueue
import Redis
import TikTok

/// The steps of `reelay demo`.
struct DemoRun: Sendable {
    let sandbox: DemoSandbox
    let redis: RedisClient
    let cipher: TokenCipher
    let mediaRoot: String
    let queue: String
    let wait: Duration

    /// Returns whether the post was published.
    func run() async throws -> Bool {
        let openID = try await self.sandbox.createCreator(nickname: "Reelay Demo")
        let grant = try await self.sandbox.token(openID: openID)
        let accountID = UUID().uuidString.lowercased()
        try await TokenCache(redis: self.redis, cipher: self.cipher)
            .put(account: accountID, accessToken: grant.accessToken, openID: openID, expiresAt: Date().addingTimeInterval(grant.expiresIn))
        print("creator    \(openID) (sandbox), account \(accountID): token cached encrypted in reelay:token:{\(accountID)}")

        let (relativePath, size, digest) = try self.writeVideo()
        print("media      \(self.mediaRoot)/\(relativePath): \(size) bytes, sha256 \(digest.prefix(16))…")
        var post = PostInfo(privacyLevel: .publicToEveryone, title: "Hello from Reelay #demo")
        post.disableComment = false
        let job = PublishVideo(accountID: accountID, mediaPath: relativePath, videoSize: Int64(size), durationSeconds: 15, postInfo: post)
        let request = try JobRequest(job, options: EnqueueOptions(maxAttempts: 8))
        let broker = RedisJobBroker(client: self.redis)
        _ = try await broker.enqueue([request], queue: self.queue, now: Date())
        let keys = try QueueKeys(queue: self.queue)
        print("job        \(request.options.id) on queue \(self.queue); watching it (a worker must be running)…")

        let state = try await self.waitForTheEnd(keys.job(request.options.id))
        let posts = try await self.sandbox.posts(openID: openID)
        for post in posts {
            let matches = (post["sha256"] as? String) == digest ? "sha256 matches the file" : "sha256 differs"
            print("tiktok     \(post["publish_id"] as? String ?? "?")  \(post["status"] as? String ?? "?")  \(post["bytes_received"] as? Int ?? 0) bytes, \(matches)")
        }
        print("job state  \(state ?? "unknown")")
        print("")
        print("look closer:  \(self.redisCLI) HGETALL 'reelay:{\(self.queue)}:job:\(request.options.id)'")
        print("              curl -s \(self.sandbox.baseURL)/_sandbox/posts?open_id=\(openID)")
        print("              reelay queue stats --queue \(self.queue)")
        let published = posts.contains { $0["status"] as? String == "PUBLISH_COMPLETE" && $0["sha256"] as? String == digest }
        return state == "completed" && published
    }

    /// `redis-cli` with the flags that reach the demo's Redis.
    var redisCLI: String {
        let configuration = self.redis.configuration
        var command = "redis-cli"
        switch configuration.endpoint {
        case .tcp(let host, let port): command += " -h \(host) -p \(port)"
        case .unix(let path): command += " -s \(path)"
        }
        return configuration.database == 0 ? command : command + " -n \(configuration.database)"
    }

    /// A short video-like file: an MP4 `ftyp` box and 6 MB of varied bytes (two upload chunks).
    func writeVideo() throws -> (String, Int, String) {
        let folder = self.mediaRoot + "/demo"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = "demo/clip-\(UUID().uuidString.prefix(8).lowercased()).mp4"
        let size = 6_000_000
        var bytes = [UInt8](repeating: 0, count: size)
        for index in 0..<size { bytes[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 11) }
        let header: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0] + Array("mp42isom".utf8)
        bytes.replaceSubrange(0..<header.count, with: header)
        try Data(bytes).write(to: URL(fileURLWithPath: self.mediaRoot + "/" + name))
        return (name, size, DemoSandbox.sha256Hex(bytes))
    }

    func waitForTheEnd(_ jobKey: String) async throws -> String? {
        let deadline = ContinuousClock.now + self.wait
        var last: String?
        while ContinuousClock.now < deadline {
            let fields = try await self.redis.send(["HMGET", jobKey, JobHashField.state, JobHashField.checkpoint]).array ?? []
            let state = fields.first?.string
            let phase = DemoRun.phase(of: fields.count > 1 ? fields[1].string : nil)
            let line = "\(state ?? "?") \(phase)"
            if line != last { print("  … \(line)") }
            last = line
            if state == "completed" || state == "dead" { return state }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try await self.redis.send(["HGET", jobKey, JobHashField.state]).string
    }

    /// A short description of the publish checkpoint.
    static func phase(of checkpoint: String?) -> String {
        guard let checkpoint, let object = try? JSONSerialization.jsonObject(with: Data(checkpoint.utf8)) as? [String: Any] else { return "" }
        if let outcome = object["outcome"] as? String { return "(\(outcome))" }
        if let status = object["last_status"] as? String { return "(TikTok: \(status))" }
        if object["upload_complete"] as? Bool == true { return "(uploaded, waiting for TikTok)" }
        if object["publish_id"] != nil { return "(uploading, next chunk \(object["next_chunk"] as? Int ?? 0))" }
        return ""
    }
}
