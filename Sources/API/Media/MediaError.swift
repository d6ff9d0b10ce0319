/// Why a media operation (ingest, probe, path resolution, removal) failed. `description` is one generic line (the
/// code); the detail (a path, a probe note) is only in `debugDescription`. The API maps codes to HTTP statuses:
/// ``Code/tooLarge`` → 413, ``Code/notFound`` → 404, the format/duration/resolution/empty codes and ``Code/invalidPath``
/// → 422 (or 400), ``Code/interrupted`` → 400, ``Code/io`` → 500.
public struct MediaError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Stable error codes (`rawValue` is the wire spelling).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case tooLarge = "media_too_large"
            case empty = "media_empty"
            case unsupportedFormat = "media_unsupported_format"
            case invalidDuration = "media_invalid_duration"
            case invalidResolution = "media_invalid_resolution"
            case invalidPath = "media_invalid_path"
            case notFound = "media_not_found"
            case interrupted = "media_upload_interrupted"
            case io = "media_io"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The upload is larger than the store's limit (or TikTok's 4 GB).
        public static let tooLarge = Code(.tooLarge)
        /// The upload has no bytes.
        public static let empty = Code(.empty)
        /// Not an MP4, MOV or WebM file (or one the prober cannot read).
        public static let unsupportedFormat = Code(.unsupportedFormat)
        /// The duration is known and outside TikTok's limits.
        public static let invalidDuration = Code(.invalidDuration)
        /// The width or height is known and outside TikTok's 360–4096 px.
        public static let invalidResolution = Code(.invalidResolution)
        /// A relative path that is absolute, holds `..`, or leads out of the media root.
        public static let invalidPath = Code(.invalidPath)
        /// No file at that path.
        public static let notFound = Code(.notFound)
        /// The upload stream failed or was cancelled before its end.
        public static let interrupted = Code(.interrupted)
        /// The file system failed (disk full, permissions).
        public static let io = Code(.io)
        /// The stable spelling, such as `media_too_large`.
        public var rawValue: String { self.base.rawValue }
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A short note for the client or operator (limits, what was found). Never a path outside the media root.
    public var message: String?

    /// An error with its code and an optional note (kept out of ``description``).
    public init(_ code: Code, message: String? = nil) {
        self.code = code
        self.message = message
    }

    /// One generic line: the code only.
    public var description: String { "MediaError(\(self.code))" }

    /// The description followed by the note.
    public var debugDescription: String { self.message.map { "\(self.description): \($0)" } ?? self.description }
}
