import Crypto
import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import TikTok
import TikTokSandbox

/// A publish set up end to end for process tests: a sandbox TikTok in this process, a creator with an access token in
/// the workers' encrypted token cache, a multi-chunk video in a media root of its own, and one `reelay.publish.video`
/// job on a queue of its own. Workers are real `reelay worker` processes pointed at all of it.
struct PublishFixture {
    let redisURL: String
    let client: RedisClient
    let broker: RedisJobBroker
    let queue: String
    let keys: QueueKeys
    let sandboxURL: String
    let http: HTTPClientTransport
    let encryptionKey: String
    let mediaRoot: String
    /// The video's size: 25,000,000 bytes by default (two chunks: 10,000,000 + 15,000,000).
    let videoSize: Int
    let videoSHA256: String
    let openID: String
    let jobID: JobID


    /// Runs `body` with a sandbox serving on a free port and the publish enqueued; stops the sandbox afterwards.
    /// `videoSize` above 100 MB makes a sparse file (an `ftyp` header, then zeros), hashed by streaming.
    /// `sandboxClock` replaces the sandbox's wall clock (upload URL expiry, processing times), so a test can move it.
    static func with(
        videoSize: Int = 25_000_000, sandboxClock: (@Sendable () -> Date)? = nil, _ body: (PublishFixture) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        if let sandboxClock { configuration.clock = sandboxClock }
        configuration.processingTime = .milliseconds(300)
        configuration.moderationTime = .milliseconds(100)
        configuration.seedsDemoCreator = false
        var logger = Logger(label: "sandbox")
        logger.logLevel = .warning
        let server = SandboxServer(configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let fixture = try await Self.make(sandboxURL: "http://127.0.0.1:\(try await server.listeningPort())", videoSize: videoSize)
            do {
                try await body(fixture)
            } catch {
                await fixture.close()
                throw error
            }
            await fixture.close()
        }
    }

    private static func make(sandboxURL: String, videoSize: Int) async throws -> PublishFixture {
        let redisURL = try await TestEnvironment.redisURL()
        let client = try RedisClient(url: redisURL)
        let http = HTTPClientTransport()
        do {
            return try await Self.make(sandboxURL: sandboxURL, videoSize: videoSize, redisURL: redisURL, client: client, http: http)
        } catch {
            // A failed setup must not drop its clients unclosed (AsyncHTTPClient traps on an HTTPClient never shut down).
            await http.shutdown()
            await client.shutdown()
            throw error
        }
    }

    private static func make(
        sandboxURL: String, videoSize: Int, redisURL: String, client: RedisClient, http: HTTPClientTransport
    ) async throws -> PublishFixture {
        let creator = try await Self.call(http, "POST", sandboxURL + "/_sandbox/creators", json: ["nickname": "Crash Test"])
        guard let openID = creator["open_id"] as? String else { throw FixtureError("no open_id in \(creator)") }
        let grant = try await Self.call(http, "POST", sandboxURL + "/_sandbox/tokens", json: ["open_id": openID, "scope": "video.publish,video.upload"])
        guard let accessToken = grant["access_token"] as? String else { throw FixtureError("no access_token") }

        let key = try EncryptionKeyring.generateKeyEntry(id: "k1")
        let accountID = UUID().uuidString.lowercased()
        try await TokenCache(redis: client, cipher: try TokenCipher(keySetting: key))
            .put(account: accountID, accessToken: accessToken, openID: openID, expiresAt: Date().addingTimeInterval(3600))

        let mediaRoot = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-media-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mediaRoot, withIntermediateDirectories: true)
        let digest = try Self.writeVideo(at: mediaRoot + "/clip.mp4", size: videoSize)

        let queue = TestEnvironment.uniqueName("pub").lowercased()
        let broker = RedisJobBroker(client: client)
        var post = PostInfo(privacyLevel: .publicToEveryone, title: "crash test #reelay")
        post.disableDuet = false
        let payload = PublishVideo(accountID: accountID, mediaPath: "clip.mp4", videoSize: Int64(videoSize), durationSeconds: 30, postInfo: post)
        let request = try JobRequest(payload, options: EnqueueOptions(maxAttempts: 8))
        _ = try await broker.enqueue([request], queue: queue, now: Date())
        return PublishFixture(
            redisURL: redisURL, client: client, broker: broker, queue: queue, keys: try QueueKeys(queue: queue), sandboxURL: sandboxURL,
            http: http, encryptionKey: key, mediaRoot: mediaRoot, videoSize: videoSize, videoSHA256: digest, openID: openID, jobID: request.options.id)
    }

    private func close() async {
        try? FileManager.default.removeItem(atPath: self.mediaRoot)
        await self.http.shutdown()
        await self.client.shutdown()
    }

    /// Writes the video and returns its SHA-256 (hex): an MP4 `ftyp` box, then bytes that differ along the file (so a
    /// misplaced chunk changes the hash) — or, above 100 MB, zeros in a sparse file, hashed piece by piece.
    static func writeVideo(at path: String, size: Int) throws -> String {
        let header: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0] + Array("mp42isom".utf8)
        guard size > 100_000_000 else {
            // 1 MiB blocks of a fixed pattern, each stamped with its index: quick to make, and no two blocks alike.
            let pattern = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var data = Data(capacity: size)
            var block = 0
            while data.count < size {
                var piece = pattern
                withUnsafeBytes(of: UInt64(block).bigEndian) { piece.replaceSubrange(0..<8, with: $0) }
                data.append(contentsOf: piece.prefix(size - data.count))
                block += 1
            }
            data.replaceSubrange(0..<header.count, with: header)
            try data.write(to: URL(fileURLWithPath: path))
            return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(header)), let handle = FileHandle(forWritingAtPath: path) else {
            throw FixtureError("cannot create \(path)")
        }
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        var hasher = SHA256()
        hasher.update(data: header)
        let zeros = Data(count: 1 << 20)
        var left = size - header.count
        while left > 0 {
            let piece = min(left, zeros.count)
            hasher.update(data: zeros.prefix(piece))
            left -= piece
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A `reelay worker` for the fixture's queue; `crashAt` makes it SIGKILL itself at that publish step. `binary` is the
    /// debug build beside the tests unless a test names another (the memory test runs the release build).
    func startWorker(crashAt: String? = nil, logName: String, binary: String = ReelayBinary.path) throws -> WatchedProcess {
        var arguments = [
            binary, "worker", "--redis-url", self.redisURL, "--queues", self.queue, "--concurrency", "2", "--lease", "3s",
            "--media-root", self.mediaRoot, "--tiktok-api-url", self.sandboxURL, "--log-level", "info",
        ]
        if let crashAt { arguments += ["--crash-at", crashAt] }
        return try WatchedProcess(
            arguments: arguments, logPath: NSTemporaryDirectory() + "reelay-\(logName)-\(UUID().uuidString).log",
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "REELAY_ENCRYPTION_KEY": self.encryptionKey,
                "REELAY_TIKTOK_CLIENT_KEY": "sandbox-client-key",
            ])
    }

    /// The job's field `name` in its hash.
    func jobField(_ name: String) async throws -> String? {
        try await self.client.send(["HGET", self.keys.job(self.jobID), name]).string
    }

    /// Every publish the sandbox recorded for the creator.
    func posts() async throws -> [[String: Any]] {
        (try await Self.call(self.http, "GET", self.sandboxURL + "/_sandbox/posts?open_id=\(self.openID)"))["posts"] as? [[String: Any]] ?? []
    }

    /// Sets a sandbox fault.
    func fault(_ fields: [String: any Sendable]) async throws {
        _ = try await Self.call(self.http, "POST", self.sandboxURL + "/_sandbox/faults", json: fields)
    }

    /// Waits until the job is completed or dead (or `timeout`), and returns its state.
    func waitForTheEnd(timeout: Duration = .seconds(90)) async throws -> String? {
        do {
            try await eventually("the job ends", timeout: timeout, poll: .milliseconds(100)) {
                ["completed", "dead"].contains(try await self.jobField(JobHashField.state))
            }
        } catch is WaitTimedOut {
            // The caller checks the state it gets.
        }
        return try await self.jobField(JobHashField.state)
    }

    private static func call(_ http: HTTPClientTransport, _ method: String, _ url: String, json: [String: any Sendable]? = nil) async throws
        -> [String: Any]
    {
        var request = TransportRequest(method: method, url: url)
        if let json {
            request.headers = [("Content-Type", "application/json")]
            request.body = .bytes(Array(try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await http.send(request, deadline: .seconds(10), maxResponseBytes: 1 << 20)
        guard (200...299).contains(response.status) else {
            throw FixtureError("\(method) \(url): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

/// A fixture step that failed, with what went wrong.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
