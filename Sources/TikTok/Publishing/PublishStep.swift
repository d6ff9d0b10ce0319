/// The points of a publish at which a crash is most telling; a ``PublishConfiguration/stepHook`` sees each one, so
/// crash tests can kill the worker process exactly there.
public enum PublishStep: Sendable, Hashable, CustomStringConvertible {
    /// The init-in-flight marker is saved and the init is about to be sent.
    case initSending
    /// TikTok answered the init; its `publish_id` is not saved yet.
    case initAnswered
    /// The `publish_id` is saved.
    case initSaved
    /// TikTok accepted chunk `n` (0-based); the next chunk is not saved yet.
    case chunkAccepted(Int)
    /// Every byte arrived (201); the upload-complete marker is not saved yet.
    case uploadAnswered
    /// A status poll answered (not final yet).
    case polled

    /// The step's name as a flag value: `init-sending`, `init-answered`, `init-saved`, `chunk-N`, `upload-answered`,
    /// `polled`.
    public var description: String {
        switch self {
        case .initSending: "init-sending"
        case .initAnswered: "init-answered"
        case .initSaved: "init-saved"
        case .chunkAccepted(let index): "chunk-\(index)"
        case .uploadAnswered: "upload-answered"
        case .polled: "polled"
        }
    }

    /// The step named `name` (see ``description``), or nil.
    public init?(name: String) {
        switch name {
        case "init-sending": self = .initSending
        case "init-answered": self = .initAnswered
        case "init-saved": self = .initSaved
        case "upload-answered": self = .uploadAnswered
        case "polled": self = .polled
        default:
            guard name.hasPrefix("chunk-"), let index = Int(name.dropFirst(6)), index >= 0 else { return nil }
            self = .chunkAccepted(index)
        }
    }
}
