import ServiceLifecycle
import TikTok

/// Keeps a worker's ``RemoteMediaCache`` for the life of its service group and shuts it down (downloads cancelled,
/// HTTP client closed) after the job processor, which shuts down first, has let go of it.
struct RemoteMediaCacheService: Service {
    let cache: RemoteMediaCache

    func run() async throws {
        try? await gracefulShutdown()
        await self.cache.shutdown()
    }
}
