import Foundation

/// Probes a stored upload and rejects what TikTok would reject (``MediaLimits``). The container always comes from
/// ``MediaSniffer`` (so a Matroska or MP3 file renamed `.mp4` is refused even with ffprobe); duration, size and codec
/// come from ffprobe when it is installed, else from the container headers. A file ffprobe cannot read is refused;
/// an ffprobe that cannot start or times out leaves the sniffed values.
public struct MediaProbe: Sendable {
    /// Where to find ffprobe.
    public enum FFprobe: Sendable, Hashable {
        /// The first `ffprobe` in `/usr/bin`, `/usr/local/bin`, `/opt/homebrew/bin` (use ``locate(inSearchPath:)`` to search `PATH`).
        case automatic
        /// Never run ffprobe: container sniffing only.
        case disabled
        /// This executable.
        case path(String)

        /// The first executable `ffprobe` in a `PATH`-style list (the entry point passes the environment's `PATH`):
        /// `.path` when found, else `.disabled`.
        public static func locate(inSearchPath searchPath: String) -> FFprobe {
            Self.first(in: searchPath.split(separator: ":").map(String.init)).map(FFprobe.path) ?? .disabled
        }

        static func first(in directories: [String]) -> String? {
            directories.lazy.filter { !$0.isEmpty }.map { $0 + "/ffprobe" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        var executable: String? {
            switch self {
            case .automatic: Self.first(in: ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"])
            case .disabled: nil
            case .path(let path): FileManager.default.isExecutableFile(atPath: path) ? path : nil
            }
        }
    }

    /// Where to find ffprobe.
    public var ffprobe: FFprobe
    /// Longest ffprobe run; after it, ffprobe is stopped and the sniffed values stand.
    public var timeout: Duration = .seconds(30)
    /// What TikTok rejects.
    public var limits: MediaLimits

    /// A prober using `ffprobe` and `limits`.
    public init(ffprobe: FFprobe = .automatic, limits: MediaLimits = MediaLimits()) {
        self.ffprobe = ffprobe
        self.limits = limits
    }

    /// Probes the file at `path` and checks it against ``limits``.
    /// - Throws: ``MediaError`` `empty`, `tooLarge`, `unsupportedFormat`, `invalidDuration`, `invalidResolution`, `notFound`.
    public func probe(path: String) async throws(MediaError) -> MediaInfo {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value
        else { throw MediaError(.notFound, message: "the file cannot be read") }
        guard size > 0 else { throw MediaError(.empty, message: "the file is empty") }
        guard size <= self.limits.maximumBytes else {
            throw MediaError(.tooLarge, message: "TikTok accepts at most \(self.limits.maximumBytes) bytes")
        }
        guard var info = try MediaSniffer.sniff(path: path) else {
            throw MediaError(.unsupportedFormat, message: "not an MP4, MOV or WebM file")
        }
        if let executable = self.ffprobe.executable {
            switch await FFprobeRun(executable: executable, timeout: self.timeout).run(path: path) {
            case .report(let report):
                info.source = .ffprobe
                info.durationSeconds = report.durationSeconds ?? info.durationSeconds
                info.width = report.width ?? info.width
                info.height = report.height ?? info.height
                info.videoCodec = report.videoCodec ?? info.videoCodec
            case .unreadable:
                throw MediaError(.unsupportedFormat, message: "ffprobe cannot read the file")
            case .unavailable:
                break
            }
        }
        try self.limits.check(info)
        return info
    }
}
