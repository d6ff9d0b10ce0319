/// A video container TikTok accepts (reference: MP4 recommended, WebM, MOV).
public enum MediaContainer: String, Sendable, Hashable, Codable, CaseIterable {
    case mp4, mov, webm

    /// The MIME type uploaded to TikTok (`video/mp4`, `video/quicktime`, `video/webm`).
    public var contentType: String {
        switch self {
        case .mp4: "video/mp4"
        case .mov: "video/quicktime"
        case .webm: "video/webm"
        }
    }

    /// The extension of the stored file.
    public var fileExtension: String { self.rawValue }
}

/// What probing a video found. Fields are nil when neither ffprobe nor the container headers say.
public struct MediaInfo: Sendable, Hashable {
    /// Who answered: ffprobe, or Reelay's own container sniffing.
    public enum Source: String, Sendable, Hashable { case ffprobe, sniffed }

    /// The container.
    public var container: MediaContainer
    /// The duration in seconds.
    public var durationSeconds: Double?
    /// The video track's width in pixels.
    public var width: Int?
    /// The video track's height in pixels.
    public var height: Int?
    /// The video codec (`h264`, `hevc`, `vp9`, `av1`… or the sample entry's four-character code).
    public var videoCodec: String?
    /// Who answered.
    public var source: Source

    /// Probe results.
    public init(
        container: MediaContainer, durationSeconds: Double? = nil, width: Int? = nil, height: Int? = nil, videoCodec: String? = nil,
        source: Source = .sniffed
    ) {
        self.container = container
        self.durationSeconds = durationSeconds
        self.width = width
        self.height = height
        self.videoCodec = videoCodec
        self.source = source
    }
}

/// What TikTok rejects, checked at ingest so the user hears it at once rather than as an asynchronous `fail_reason`
/// (reference §"Media"): containers MP4/MOV/WebM, each side 360–4096 px, at most 10 min, at most 4 GB. The minimum
/// duration is not stated by TikTok (UNCONFIRMED); 3 s is a judgement (the app's own floor) and can be changed.
public struct MediaLimits: Sendable, Hashable {
    /// Largest file TikTok accepts: 4 GB, read as 4·10⁹ bytes (the conservative reading).
    public var maximumBytes: Int64 = 4_000_000_000
    /// Shortest video, in seconds.
    public var minimumDurationSeconds: Double = 3
    /// Longest video the API accepts, in seconds (a creator's own `max_video_post_duration_sec` may be lower; the
    /// worker checks that against fresh creator info).
    public var maximumDurationSeconds: Double = 600
    /// Smallest side, in pixels.
    public var minimumSide = 360
    /// Largest side, in pixels.
    public var maximumSide = 4096

    /// TikTok's limits.
    public init() {}

    /// Throws when a known value is out of bounds; unknown values pass (TikTok then has the last word).
    public func check(_ info: MediaInfo) throws(MediaError) {
        if let duration = info.durationSeconds {
            guard duration.isFinite, duration >= self.minimumDurationSeconds, duration <= self.maximumDurationSeconds else {
                throw MediaError(
                    .invalidDuration,
                    message: "duration \(Self.format(duration)) s is outside \(Self.format(self.minimumDurationSeconds))–\(Self.format(self.maximumDurationSeconds)) s")
            }
        }
        for (name, side) in [("width", info.width), ("height", info.height)] {
            guard let side else { continue }
            guard side >= self.minimumSide, side <= self.maximumSide else {
                throw MediaError(.invalidResolution, message: "\(name) \(side) px is outside \(self.minimumSide)–\(self.maximumSide) px")
            }
        }
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        return value == value.rounded() ? String(Int64(value)) : String((value * 1000).rounded() / 1000)
    }
}
