import Crypto
import Foundation
import JobQueue
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import TikTok

/// A worker whose media root lacks the file streams it from the API's signed URL into a bounded cache: checked
/// against size and SHA-256, downloaded once however many ask, least recently used evicted first, leased never.
@Suite struct RemoteMediaCacheTests {
    /// Serves `GET /<name>` from a table of byte arrays, counting requests; a reply can be delayed, or replaced by a
    /// status, or declare another length, or stall half-way until the test lets it go on.
    final class MediaServer: RawHTTPServer.Handler {
        struct State {
            var files: [String: [UInt8]] = [:]
            var statuses: [String: String] = [:]
            var declaredLengths: [String: Int] = [:]
            var requests: [String: Int] = [:]
            var stalled: Set<String> = []
        }
        let state = Mutex(State())
        let delay: Duration

        init(delay: Duration = .zero) { self.delay = delay }

        func consume(_ piece: ByteBuffer, of request: RawRequest) async {}

        func respond(to request: RawRequest, with writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
            let name = String(request.path.dropFirst().prefix { $0 != "?" })
            let (bytes, status, declared) = self.state.withLock { state in
                state.requests[name, default: 0] += 1
                return (state.files[name], state.statuses[name], state.declaredLengths[name])
            }
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            guard let bytes, status == nil else {
                try await writer.reply(status: status ?? "404 Not Found", body: "no")
                return true
            }
            try await writer.write(text: "HTTP/1.1 200 OK\r\nContent-Length: \(declared ?? bytes.count)\r\n\r\n")
            var stall = self.state.withLock { $0.stalled.contains(name) } ? bytes.count / 2 : nil
            for start in stride(from: 0, to: bytes.count, by: 256 << 10) {
                if let at = stall, start >= at {
                    while self.state.withLock({ $0.stalled.contains(name) }) { try await Task.sleep(for: .milliseconds(20)) }
                    stall = nil
                }
                try await writer.write(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + (256 << 10))]))
            }
            return declared == nil
        }

        /// Replies for `name` send half the body, then nothing until ``resume(_:)``.
        func stall(_ name: String) { self.state.withLock { _ = $0.stalled.insert(name) } }
        /// Lets stalled replies for `name` (and later ones) send everything.
        func resume(_ name: String) { self.state.withLock { _ = $0.stalled.remove(name) } }

        func add(_ name: String, _ bytes: [UInt8]) { self.state.withLock { $0.files[name] = bytes } }
        func requests(_ name: String) -> Int { self.state.withLock { $0.requests[name, default: 0] } }
    }

    let folder: String
    var mediaRoot: String { self.folder + "/media" }
    var cacheFolder: String { self.folder + "/cache" }

    init() throws {
        self.folder = FileManager.default.temporaryDirectory.appendingPathComponent("reelay-remote-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.folder + "/media", withIntermediateDirectories: true)
    }

    static func bytes(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed) &* 7 &+ $0 >> 9) } }
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    func cache(maxBytes: Int64) -> RemoteMediaCache {
        RemoteMediaCache(
            mediaRoot: self.mediaRoot, configuration: RemoteMediaConfiguration(directory: self.cacheFolder, maxBytes: maxBytes),
            logger: Logger(label: "test.remote-media"))
    }

    /// What a caller running in a task of its own got, once it has returned.
    final class Outcome: Sendable {
        private let result = Mutex<Result<RemoteMediaLease, RemoteMediaError>?>(nil)
        var value: Result<RemoteMediaLease, RemoteMediaError>? { self.result.withLock { $0 } }

        /// Starts `localFile` in a task of its own, so the test can cancel this caller alone.
        static func start(_ cache: RemoteMediaCache, url: String, video: [UInt8]) -> (Outcome, Task<Void, Never>) {
            let outcome = Outcome()
            let task = Task {
                do throws(RemoteMediaError) {
                    let lease = try await cache.localFile(for: "uploads/a.mp4", url: url, sha256: RemoteMediaCacheTests.sha256(video), size: Int64(video.count))
                    outcome.result.withLock { $0 = .success(lease) }
                } catch {
                    outcome.result.withLock { $0 = .failure(error) }
                }
            }
            return (outcome, task)
        }
    }

    func cacheFiles() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: self.cacheFolder)) ?? []).sorted() }

    /// Runs `body` with a server and a cache, and cleans both up.
    func with(
        _ server: MediaServer = MediaServer(), maxBytes: Int64 = 64 << 20, _ body: (RemoteMediaCache, String, MediaServer) async throws -> Void
    ) async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let cache = self.cache(maxBytes: maxBytes)
        do {
            try await RawHTTPServer.with(server) { port in
                try await body(cache, "http://127.0.0.1:\(port)", server)
            }
        } catch {
            await cache.shutdown()
            throw error
        }
        await cache.shutdown()
    }

    @Test func aMissingFileIsDownloadedCheckedAndCached() async throws {
        let video = Self.bytes(3 << 20, seed: 1)
        try await self.with { cache, base, server in
            server.add("a", video)
            let url = "\(base)/a?expires=1&signature=abc"
            let lease = try await cache.localFile(for: "uploads/2026/05/a.mp4", url: url, sha256: Self.sha256(video).uppercased(), size: Int64(video.count))
            #expect(!lease.isLocal)
            #expect(lease.path == self.cacheFolder + "/\(Self.sha256(video))-\(video.count)")
            #expect(FileManager.default.contents(atPath: lease.path) == Data(video))
            lease.release()
            let again = try await cache.localFile(for: "uploads/2026/05/a.mp4", url: url, sha256: Self.sha256(video), size: Int64(video.count))
            #expect(again.path == lease.path)
            #expect(server.requests("a") == 1, "the second request is served from the cache")
            #expect(self.cacheFiles().count == 1)
        }
    }

    @Test func aFileInTheWorkersOwnMediaRootIsUsedAsIs() async throws {
        let video = Self.bytes(10_000, seed: 2)
        try await self.with { cache, base, server in
            try FileManager.default.createDirectory(atPath: self.mediaRoot + "/uploads", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: self.mediaRoot + "/uploads/v.mp4", contents: Data(video))
            let lease = try await cache.localFile(for: "uploads/v.mp4", url: "\(base)/v", sha256: Self.sha256(video), size: Int64(video.count))
            #expect(lease.isLocal)
            #expect(lease.path.hasSuffix("/media/uploads/v.mp4"))
            #expect(server.requests("v") == 0)
        }
    }

    @Test func aWrongChecksumIsRejectedAndNothingIsKept() async throws {
        let video = Self.bytes(1 << 20, seed: 3)
        try await self.with { cache, base, server in
            server.add("a", video)
            let wrong = Self.sha256(video + [0])
            do {
                _ = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: wrong, size: Int64(video.count))
                Issue.record("a wrong checksum was accepted")
            } catch let error as RemoteMediaError {
                #expect(error.code == .checksumMismatch)
                #expect(error.isPermanent)
                #expect((error.jobError as? PermanentJobError)?.code == "media_checksum_mismatch")
            }
            #expect(self.cacheFiles().isEmpty, "the bad download is deleted, part file included")
        }
    }

    @Test func aWrongSizeIsRejectedAndNothingIsKept() async throws {
        let video = Self.bytes(100_000, seed: 4)
        try await self.with { cache, base, server in
            server.add("a", video)
            await #expect(throws: RemoteMediaError.self) {
                try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: Self.sha256(video), size: Int64(video.count + 1))
            }
            server.state.withLock { $0.declaredLengths["a"] = video.count + 10 }  // declares more, sends less, closes
            do {
                _ = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: Self.sha256(video), size: Int64(video.count + 10))
                Issue.record("a short body was accepted")
            } catch let error as RemoteMediaError {
                #expect([.sizeMismatch, .download].contains(error.code), "\(error.debugDescription)")
                #expect(!error.isPermanent)
            }
            #expect(self.cacheFiles().isEmpty)
        }
    }

    @Test func refusalsAreClassified() async throws {
        try await self.with { cache, base, server in
            server.state.withLock { $0.statuses = ["gone": "410 Gone", "busy": "503 Service Unavailable"] }
            let sha = String(repeating: "ab", count: 32)
            for (name, code, permanent) in [("gone", RemoteMediaError.Code.unavailable, true), ("busy", .download, false), ("none", .unavailable, true)] {
                do {
                    _ = try await cache.localFile(for: "uploads/x.mp4", url: "\(base)/\(name)?signature=secret", sha256: sha, size: 10)
                    Issue.record("\(name) succeeded")
                } catch let error as RemoteMediaError {
                    #expect(error.code == code, "\(name)")
                    #expect(error.isPermanent == permanent, "\(name)")
                    #expect(!error.debugDescription.contains("secret"), "the signed URL stays out of errors")
                }
            }
            #expect(self.cacheFiles().isEmpty)
        }
    }

    @Test func badArgumentsAreRefusedBeforeAnyRequest() async throws {
        try await self.with { cache, base, server in
            let sha = String(repeating: "0", count: 64)
            let cases: [(String, String, String, Int64, RemoteMediaError.Code)] = [
                ("../x.mp4", "\(base)/a", sha, 10, .invalidPath), ("/etc/passwd", "\(base)/a", sha, 10, .invalidPath),
                ("a.mp4", "\(base)/a", "xyz", 10, .invalidArgument), ("a.mp4", "\(base)/a", sha, 0, .invalidArgument),
                ("a.mp4", "file:///etc/passwd", sha, 10, .invalidArgument),
            ]
            for (path, url, digest, size, code) in cases {
                do {
                    _ = try await cache.localFile(for: path, url: url, sha256: digest, size: size)
                    Issue.record("\(path) \(url) accepted")
                } catch let error as RemoteMediaError {
                    #expect(error.code == code, "\(path) \(url)")
                }
            }
            #expect(server.requests("a") == 0)
        }
    }

    @Test func concurrentRequestsForOneFileDownloadItOnce() async throws {
        let video = Self.bytes(2 << 20, seed: 5)
        try await self.with(MediaServer(delay: .milliseconds(300))) { cache, base, server in
            server.add("a", video)
            let sha = Self.sha256(video)
            let paths = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let lease = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: sha, size: Int64(video.count))
                        defer { lease.release() }
                        return lease.path
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(paths.count == 1)
            #expect(server.requests("a") == 1, "five callers, one download")
        }
    }

    @Test func theBoundEvictsTheLeastRecentlyUsedFile() async throws {
        let files = ["a": Self.bytes(1 << 20, seed: 6), "b": Self.bytes(1 << 20, seed: 7), "c": Self.bytes(1 << 20, seed: 8)]
        try await self.with(maxBytes: (5 << 20) / 2) { cache, base, server in
            for (name, bytes) in files { server.add(name, bytes) }
            func fetch(_ name: String) async throws {
                let bytes = files[name] ?? []
                let lease = try await cache.localFile(for: "uploads/\(name).mp4", url: "\(base)/\(name)", sha256: Self.sha256(bytes), size: Int64(bytes.count))
                lease.release()
            }
            func cached(_ name: String) -> Bool { self.cacheFiles().contains("\(Self.sha256(files[name] ?? []))-\(1 << 20)") }
            try await fetch("a")
            try await fetch("b")
            try await fetch("a")  // a is now more recent than b
            try await fetch("c")  // 3 MiB > 2.5 MiB: b goes
            #expect(cached("a") && !cached("b") && cached("c"))
            #expect(self.cacheFiles().count == 2)
            try await fetch("b")  // a is now the least recent
            #expect(!cached("a") && cached("b") && cached("c"))
            #expect(server.requests("a") == 1 && server.requests("b") == 2 && server.requests("c") == 1)
        }
    }

    @Test func aFileInUseIsNeverEvicted() async throws {
        let a = Self.bytes(1 << 20, seed: 9)
        let b = Self.bytes(1 << 20, seed: 10)
        try await self.with(maxBytes: (3 << 20) / 2) { cache, base, server in
            server.add("a", a)
            server.add("b", b)
            let held = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: Self.sha256(a), size: Int64(a.count))
            do {
                _ = try await cache.localFile(for: "uploads/b.mp4", url: "\(base)/b", sha256: Self.sha256(b), size: Int64(b.count))
                Issue.record("b evicted a file in use")
            } catch let error as RemoteMediaError {
                #expect(error.code == .cacheFull)
                #expect(!error.isPermanent, "a later retry can succeed")
            }
            #expect(FileManager.default.contents(atPath: held.path) == Data(a), "the leased file is intact")
            #expect(server.requests("b") == 0)
            held.release()
            let lease = try await cache.localFile(for: "uploads/b.mp4", url: "\(base)/b", sha256: Self.sha256(b), size: Int64(b.count))
            #expect(FileManager.default.contents(atPath: lease.path) == Data(b))
            #expect(!FileManager.default.fileExists(atPath: held.path))
        }
    }

    @Test func aRestartedWorkerKeepsItsCacheAndDropsLeftovers() async throws {
        let video = Self.bytes(200_000, seed: 11)
        try await self.with { cache, base, server in
            server.add("a", video)
            let sha = Self.sha256(video)
            _ = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: sha, size: Int64(video.count))
            _ = FileManager.default.createFile(atPath: self.cacheFolder + "/\(sha)-\(video.count).part-dead", contents: Data([1, 2]))
            _ = FileManager.default.createFile(atPath: self.cacheFolder + "/\(String(repeating: "1", count: 64))-99", contents: Data([1]))  // wrong size
            let restarted = self.cache(maxBytes: 64 << 20)
            do {
                let lease = try await restarted.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: sha, size: Int64(video.count))
                #expect(FileManager.default.contents(atPath: lease.path) == Data(video))
                #expect(server.requests("a") == 1)
                #expect(self.cacheFiles() == ["\(sha)-\(video.count)"])
            } catch {
                // Shut down on the failure path too: AsyncHTTPClient traps on an HTTPClient dropped without shutdown.
                await restarted.shutdown()
                throw error
            }
            await restarted.shutdown()
        }
    }

    @Test func aCancelledWaiterLeavesAtOnceWhileTheOtherGetsTheFile() async throws {
        let video = Self.bytes(2 << 20, seed: 12)
        try await self.with { cache, base, server in
            server.add("a", video)
            server.stall("a")
            let key = "\(Self.sha256(video))-\(video.count)"
            let (cancelled, cancelledTask) = Outcome.start(cache, url: "\(base)/a", video: video)
            let (patient, _) = Outcome.start(cache, url: "\(base)/a", video: video)
            try await eventually("both callers wait for one download") { cache.state.withLock { $0.downloads[key]?.waiters.count == 2 } }
            let cancelledAt = ContinuousClock.now
            cancelledTask.cancel()
            let thrown = try await eventuallyValue("the cancelled caller returns", timeout: .seconds(5), poll: .milliseconds(5)) { cancelled.value }
            let waited = ContinuousClock.now - cancelledAt
            guard case .failure(let error) = thrown else {
                Issue.record("the cancelled caller got the file")
                return
            }
            #expect(error.code == .cancelled)
            #expect(error.jobError is CancellationError, "the job processor sees a cancellation, not a failure")
            #expect(waited < .seconds(1), "returned after \(waited), while the server still stalls")
            #expect(patient.value == nil, "the other caller still waits")
            #expect(cache.state.withLock { $0.downloads[key]?.waiters.count } == 1, "the download goes on for the other caller")
            server.resume("a")
            let lease = try await eventuallyValue("the other caller gets the file", timeout: .seconds(10)) { try patient.value?.get() }
            #expect(FileManager.default.contents(atPath: lease.path) == Data(video))
            #expect(server.requests("a") == 1, "one download, not cancelled by the caller that left")
            #expect(cache.state.withLock { $0.waiters.isEmpty && $0.reserved == 0 })
        }
    }

    @Test func theLastWaiterCancelledCancelsTheDownload() async throws {
        let video = Self.bytes(2 << 20, seed: 13)
        try await self.with { cache, base, server in
            server.add("a", video)
            server.stall("a")
            let key = "\(Self.sha256(video))-\(video.count)"
            let (only, onlyTask) = Outcome.start(cache, url: "\(base)/a", video: video)
            try await eventually("half the file is in a part file") {
                self.cacheFiles().contains { $0.hasPrefix(key + ".part-") } && cache.state.withLock { $0.downloads[key]?.waiters.count == 1 }
            }
            onlyTask.cancel()
            let thrown = try await eventuallyValue("the cancelled caller returns", timeout: .seconds(5), poll: .milliseconds(5)) { only.value }
            guard case .failure(let error) = thrown else {
                Issue.record("the cancelled caller got the file")
                return
            }
            #expect(error.code == .cancelled)
            try await eventually("the download ends and removes its part file", timeout: .seconds(5)) {
                self.cacheFiles().isEmpty && cache.state.withLock { $0.downloads.isEmpty }
            }
            #expect(cache.state.withLock { $0.reserved == 0 && $0.entries.isEmpty && $0.waiters.isEmpty }, "nothing stays reserved")
            server.resume("a")
            let lease = try await cache.localFile(for: "uploads/a.mp4", url: "\(base)/a", sha256: Self.sha256(video), size: Int64(video.count))
            #expect(FileManager.default.contents(atPath: lease.path) == Data(video))
            #expect(server.requests("a") == 2, "a later caller downloads afresh")
        }
    }
}
