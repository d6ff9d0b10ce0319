import JobQueue

/// Why a remote media file could not be made local. `description` is the code alone: never the URL (its query holds
/// the signature); the note is in `debugDescription`.
public struct RemoteMediaError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Stable error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidArgument = "media_invalid_argument"
            case invalidPath = "media_invalid_path"
            case unavailable = "media_unavailable"
            case download = "media_download_failed"
            case sizeMismatch = "media_size_mismatch"
            case checksumMismatch = "media_checksum_mismatch"
            case cacheFull = "media_cache_full"
            case io = "media_cache_io"
            case cancelled = "media_wait_cancelled"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A SHA-256 that is not 64 hex digits, a size ≤ 0, a URL that is not http(s).
        public static let invalidArgument = Code(.invalidArgument)
        /// The media path leads outside the media root.
        public static let invalidPath = Code(.invalidPath)
        /// The server answered 403, 404 or 410: the signed URL expired or the media was deleted.
        public static let unavailable = Code(.unavailable)
        /// The network failed, timed out, or the server answered another non-200 status.
        public static let download = Code(.download)
        /// The body was not the expected size (declared or received).
        public static let sizeMismatch = Code(.sizeMismatch)
        /// The bytes do not hash to the expected SHA-256: the file was deleted, never kept.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// The cache cannot make room: every file in it is in use (or the file is larger than the cache).
        public static let cacheFull = Code(.cacheFull)
        /// The cache folder cannot be written.
        public static let io = Code(.io)
        /// The caller was cancelled (its job stopped) before the file was ready; a download other callers still wait
        /// for goes on without it.
        public static let cancelled = Code(.cancelled)
        /// The stable spelling, such as `media_checksum_mismatch`.
        public var rawValue: String { self.base.rawValue }
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The HTTP status, when the server answered.
    public var httpStatus: Int?
    /// A short note (sizes, the host); never the URL's query.
    public var message: String?

    /// An error with its code, status and note.
    public init(_ code: Code, httpStatus: Int? = nil, message: String? = nil) {
        self.code = code
        self.httpStatus = httpStatus
        self.message = message
    }

    /// True when trying again cannot help: a bad argument or path, a URL that expired or points at deleted media,
    /// content that is not the expected file.
    public var isPermanent: Bool {
        [Code.invalidArgument, .invalidPath, .unavailable, .checksumMismatch].contains(self.code)
    }

    /// What a job handler throws: a ``PermanentJobError`` (code = ``Code/rawValue``) when ``isPermanent``, a
    /// `CancellationError` for ``Code/cancelled`` (the job was stopped, whoever stopped it decides its fate), else this
    /// error, which the retry policy retries.
    public var jobError: any Error {
        if self.code == .cancelled { return CancellationError() }
        return self.isPermanent ? PermanentJobError(code: self.code.rawValue, message: self.debugDescription) : self
    }

    public var description: String {
        "RemoteMediaError(\(self.code)" + (self.httpStatus.map { ", status: \($0)" } ?? "") + ")"
    }

    public var debugDescription: String { self.message.map { "\(self.description): \($0)" } ?? self.description }
}
