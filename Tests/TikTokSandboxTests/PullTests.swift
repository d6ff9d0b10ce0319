import Foundation
import Hummingbird
import Logging
import TestSupport
import Testing
import TikTokSandbox

/// PULL_FROM_URL (reference §2.6) against a tiny media server of the test's own.
@Suite struct PullTests {
    /// Serves `/media/video.mp4` (the bytes) and `/media/moved.mp4` (a 302) on a loopback port during `body`.
    static func withMediaServer(_ video: Data, _ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/media/video.mp4") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: video))) }
        router.get("/media/moved.mp4") { _, _ in Response(status: .found, headers: [.location: "/media/video.mp4"]) }
        let ports = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "media", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { ports.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        try await withRunningServices([app], logger: logger) {
            var iterator = ports.stream.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            try await body("http://127.0.0.1:\(port)/media/")
        }
    }

    static func pullInit(_ sandbox: TestSandbox, token: String, url: String) async throws -> Reply {
        try await sandbox.postJSON(
            "/v2/post/publish/video/init/",
            ["post_info": ["privacy_level": "SELF_ONLY", "brand_content_toggle": false], "source_info": ["source": "PULL_FROM_URL", "video_url": url]],
            token: token)
    }

    @Test func theSandboxDownloadsAndHashesTheVideo() async throws {
        let video = TestSandbox.mp4(size: 300_000)
        try await Self.withMediaServer(video) { prefix in
            try await TestSandbox.run({ $0.allowInsecurePull = true; $0.verifiedURLPrefixes = [prefix] }) { sandbox in
                let (openID, token) = try await sandbox.accessToken()
                let reply = try await Self.pullInit(sandbox, token: token, url: prefix + "video.mp4")
                #expect(reply.code == "ok")
                let publishID = reply.json["data"]?["publish_id"]?.string ?? ""
                #expect(publishID.hasPrefix("v_pub_url~v2."))
                #expect(reply.json["data"]?["upload_url"] == nil)
                let done = try await sandbox.waitForStatus(publishID, token: token) { $0["status"]?.string == "PUBLISH_COMPLETE" }
                #expect(done["downloaded_bytes"]?.int == Int64(video.count))
                let post = try await sandbox.posts(openID: openID).first
                #expect(post?["sha256"]?.string == TestSandbox.sha256(video))
                #expect(post?["source"]?.string == "PULL_FROM_URL")
            }
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await Self.withMediaServer(TestSandbox.mp4(size: 1000)) { prefix in
            try await TestSandbox.run({ $0.allowInsecurePull = true; $0.verifiedURLPrefixes = [prefix] }) { sandbox in
                let (_, token) = try await sandbox.accessToken()
                let publishID = try await Self.pullInit(sandbox, token: token, url: prefix + "moved.mp4").json["data"]?["publish_id"]?.string ?? ""
                let done = try await sandbox.waitForStatus(publishID, token: token) { $0["status"]?.string == "FAILED" }
                #expect(done["fail_reason"]?.string == "video_pull_failed")
            }
        }
    }

    @Test func unverifiedOrInsecureURLsAreRefused() async throws {
        try await TestSandbox.run({ $0.verifiedURLPrefixes = ["https://media.example.com/reelay/"] }) { sandbox in
            let (_, token) = try await sandbox.accessToken()
            for url in ["https://media.example.com/other/v.mp4", "http://media.example.com/reelay/v.mp4", "https://203.0.113.9/reelay/v.mp4"] {
                let reply = try await Self.pullInit(sandbox, token: token, url: url)
                #expect(reply.status == 403)
                #expect(reply.code == "url_ownership_unverified", "\(url)")
            }
            #expect(try await Self.pullInit(sandbox, token: token, url: "not a url").code == "invalid_param")
            #expect(try await sandbox.posts().isEmpty)
        }
    }
}
