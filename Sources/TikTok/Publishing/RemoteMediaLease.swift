import Synchronization

/// A local copy of a media file, held for as long as the upload needs it: the cache never evicts a file with a lease
/// out. Call ``release()`` when done (it is idempotent, and runs when the lease is deinitialised anyway).
public final class RemoteMediaLease: Sendable {
    /// The absolute path of the local file.
    public let path: String
    /// True when the file was found in the worker's own media root (no download, nothing to release).
    public let isLocal: Bool
    private let onRelease: (@Sendable () -> Void)?
    private let released = Atomic<Bool>(false)

    init(path: String, isLocal: Bool, onRelease: (@Sendable () -> Void)?) {
        self.path = path
        self.isLocal = isLocal
        self.onRelease = onRelease
    }

    deinit { self.release() }

    /// Gives the file back to the cache (it may be evicted from now on).
    public func release() {
        guard !self.released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.onRelease?()
    }

    /// The file as the pipeline's ``MediaFile`` (already confined: the media root or the cache folder).
    var mediaFile: MediaFile { MediaFile(resolvedPath: self.path) }
}

extension MediaFile {
    /// A file whose path was resolved elsewhere (the remote media cache).
    init(resolvedPath: String) { self.path = resolvedPath }
}
