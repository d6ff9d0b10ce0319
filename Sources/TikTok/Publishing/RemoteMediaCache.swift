import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import Synchronization

/// Makes a post's media local on a worker that does not share the API's media root: when the file is missing under
/// the worker's own media root, it is streamed from the API's signed URL into a bounded cache folder, checked against
/// the expected size and SHA-256 (a mismatch is deleted, never kept), and handed out as a ``RemoteMediaLease``.
///
/// - Single flight: concurrent requests for the same file share one download. A cancelled caller stops waiting at
///   once without failing the others; when the last caller of a download is cancelled, the download is cancelled too.
/// - Bounded: at most ``RemoteMediaConfiguration/maxBytes`` (files and downloads in progress); the least recently used
///   files are evicted first, and a file with a lease out (being uploaded) never is.
/// - Content-addressed: files are named `<sha256>-<size>`, so one video posted to many accounts downloads once, and
///   the cache survives a restart (files are indexed again at start, `*.part` leftovers removed).
public final class RemoteMediaCache: Sendable {
    struct Entry {
        var size: Int64
        var lastUse: UInt64
        var users: Int
    }

    struct State {
        var entries: [String: Entry] = [:]
        var downloads: [String: Download] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var lastWaiter: UInt64 = 0
        var reserved: Int64 = 0
        var tick: UInt64 = 0
        var isShutDown = false
        var total: Int64 { self.entries.values.reduce(0) { $0 + $1.size } + self.reserved }
    }

    let mediaRoot: String
    let configuration: RemoteMediaConfiguration
    let logger: Logger
    let client: HTTPClient
    let state = Mutex(State())

    /// A cache for a worker whose media root is `mediaRoot`; indexes what `configuration.directory` already holds.
    /// Call ``shutdown()`` when done.
    public init(mediaRoot: String, configuration: RemoteMediaConfiguration, logger: Logger) {
        self.mediaRoot = mediaRoot
        self.configuration = configuration
        self.logger = logger
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.readTimeout)),
            decompression: .disabled)
        // No spans of the HTTP client's own: they would record the signed media URL (its signature is a credential).
        http.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        let indexed = self.index()
        self.state.withLock { $0.entries = indexed }
        self.evict(needing: 0)
    }

    /// Cancels downloads in progress and closes the HTTP client.
    public func shutdown() async {
        let downloads = self.state.withLock { state in state.downloads.values.map(\.task) }
        for download in downloads { download.cancel() }
        for download in downloads { await download.value }
        self.state.withLock { $0.isShutDown = true }
        try? await self.client.shutdown()
    }

    /// Dropped without ``shutdown()`` (an owner's error path): the client is shut down here, without blocking, instead
    /// of leaking its connections (and, in debug builds, AsyncHTTPClient trapping on it).
    deinit {
        if !self.state.withLock({ $0.isShutDown }) { self.client.shutdown().whenComplete { _ in } }
    }

    /// The local file for a post's media: `mediaPath` under the worker's media root when it is there with `size`
    /// bytes, else the cached copy of `url`'s content (downloaded now if needed).
    /// - Parameters:
    ///   - mediaPath: the post's `media_path`, relative to the media root.
    ///   - url: the signed download URL (`media_url`).
    ///   - sha256: the expected SHA-256, hex (`media_sha256`).
    ///   - size: the expected size in bytes (`video_size`).
    /// - Returns: a lease on the file; release it once the upload is over.
    /// - Throws: ``RemoteMediaError`` (see ``RemoteMediaError/isPermanent`` and ``RemoteMediaError/jobError``).
    public func localFile(for mediaPath: String, url: String, sha256: String, size: Int64) async throws(RemoteMediaError) -> RemoteMediaLease {
        let media: MediaFile
        do {
            media = try MediaFile(root: self.mediaRoot, relativePath: mediaPath)
        } catch {
            throw RemoteMediaError(.invalidPath, message: error.message)
        }
        if media.size == size { return RemoteMediaLease(path: media.path, isLocal: true, onRelease: nil) }
        return try await self.cachedFile(url: url, sha256: sha256, size: size)
    }

    /// The cached copy of `url`'s content, downloaded once however many callers ask at the same time. A caller
    /// cancelled while it waits throws ``RemoteMediaError/Code/cancelled`` at once; the download goes on for the other
    /// callers, and is cancelled (its part file removed) when none is left.
    public func cachedFile(url: String, sha256: String, size: Int64) async throws(RemoteMediaError) -> RemoteMediaLease {
        let digest = sha256.lowercased()
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw RemoteMediaError(.invalidArgument, message: "the expected SHA-256 is not 64 hex digits")
        }
        guard size > 0 else { throw RemoteMediaError(.invalidArgument, message: "the expected size must be positive") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw RemoteMediaError(.invalidArgument, message: "the media URL is not http(s)")
        }
        let key = "\(digest)-\(size)"
        while true {
            try Self.checkCancellation()
            switch try self.claim(key: key, url: url, sha256: digest, size: size) {
            case .ready(let lease):
                return lease
            case .wait(let waiter):
                try await self.wait(waiter, key: key)
            }
        }
    }

    /// What the caller does next: use the file, or wait for a download (its own or another caller's) as the waiter
    /// with this number, and look again.
    private enum Claim {
        case ready(RemoteMediaLease)
        case wait(UInt64)
    }

    private func claim(key: String, url: String, sha256: String, size: Int64) throws(RemoteMediaError) -> Claim {
        let path = self.path(for: key)
        let outcome: Result<Claim, RemoteMediaError> = self.state.withLock { state in
            state.tick += 1
            if var entry = state.entries[key] {
                entry.users += 1
                entry.lastUse = state.tick
                state.entries[key] = entry
                return .success(.ready(RemoteMediaLease(path: path, isLocal: false) { [weak self] in self?.release(key) }))
            }
            state.lastWaiter += 1
            let waiter = state.lastWaiter
            if state.downloads[key] != nil {
                state.downloads[key]?.waiters.insert(waiter)
                state.waiters[waiter] = .registered
                return .success(.wait(waiter))
            }
            guard size <= self.configuration.maxBytes else {
                return .failure(RemoteMediaError(.cacheFull, message: "the file (\(size) bytes) is larger than the cache"))
            }
            guard self.makeRoom(size, in: &state) else {
                return .failure(RemoteMediaError(.cacheFull, message: "every cached file is in use; \(size) bytes do not fit"))
            }
            state.reserved += size
            // Not the caller's child: one caller's cancellation must not fail the download the others wait for.
            let task = Task {
                let result: Result<Void, RemoteMediaError>
                do throws(RemoteMediaError) {
                    try await self.download(url: url, to: path, sha256: sha256, size: size)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
                self.finish(key: key, size: size, result: result)
            }
            state.downloads[key] = Download(task: task, waiters: [waiter])
            state.waiters[waiter] = .registered
            return .success(.wait(waiter))
        }
        return try outcome.get()
    }

    /// Evicts least-recently-used entries nobody uses until `size` more bytes fit; false when they cannot.
    private func makeRoom(_ size: Int64, in state: inout State) -> Bool {
        var total = state.total
        guard total + size > self.configuration.maxBytes else { return true }
        let idle = state.entries.filter { $0.value.users == 0 }.sorted { $0.value.lastUse < $1.value.lastUse }
        guard total - idle.reduce(0, { $0 + $1.value.size }) + size <= self.configuration.maxBytes else { return false }
        for (key, entry) in idle where total + size > self.configuration.maxBytes {
            state.entries[key] = nil
            total -= entry.size
            // Removing under the lock keeps a later claim of the same key from seeing the old file.
            try? FileManager.default.removeItem(atPath: self.path(for: key))
            self.logger.debug("evicted a cached media file", metadata: ["media.sha256": "\(key.prefix(12))", "bytes": "\(entry.size)"])
        }
        return true
    }

    /// Evicts idle files until the cache fits (after indexing at start).
    private func evict(needing size: Int64) {
        self.state.withLock { state in _ = self.makeRoom(size, in: &state) }
    }

    private func release(_ key: String) {
        self.state.withLock { state in
            guard var entry = state.entries[key] else { return }
            entry.users = max(0, entry.users - 1)
            state.entries[key] = entry
        }
    }

    func path(for key: String) -> String { self.configuration.directory + "/" + key }

    /// What the folder holds: complete files named `<sha256>-<size>` whose size matches; anything else (downloads
    /// cut by a crash) is removed. Older files count as less recently used.
    private func index() -> [String: Entry] {
        let folder = self.configuration.directory
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var found: [(key: String, size: Int64, modified: Date)] = []
        for name in names {
            let path = folder + "/" + name
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let actual = (attributes?[.size] as? NSNumber)?.int64Value
            let parts = name.split(separator: "-")
            guard parts.count == 2, parts[0].utf8.count == 64, let size = Int64(parts[1]), size == actual else {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            found.append((name, size, attributes?[.modificationDate] as? Date ?? .distantPast))
        }
        var entries: [String: Entry] = [:]
        for (tick, file) in found.sorted(by: { $0.modified < $1.modified }).enumerated() {
            entries[file.key] = Entry(size: file.size, lastUse: UInt64(tick), users: 0)
        }
        return entries
    }

    private static func checkCancellation() throws(RemoteMediaError) {
        if Task.isCancelled { throw RemoteMediaError(.cancelled, message: "cancelled") }
    }
}
