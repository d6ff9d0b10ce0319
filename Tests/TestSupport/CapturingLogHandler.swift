public import Logging
import Synchronization

/// A log handler that keeps every line (level, message and metadata) for tests that check what gets logged.
///
/// `let (logger, lines) = CapturingLogHandler.logger()`, hand `logger` to the code under test, then read `lines`.
public struct CapturingLogHandler: LogHandler {
    /// The lines written through the handlers that share it, in order.
    public final class Lines: Sendable {
        private let lines = Mutex<[(level: Logger.Level, text: String)]>([])

        /// An empty store.
        public init() {}

        /// Keeps one line (`text` is the message followed by the metadata).
        func append(_ level: Logger.Level, _ text: String) { self.lines.withLock { $0.append((level, text)) } }

        /// Every line as `level message metadata`, joined by newlines.
        public var all: String { self.lines.withLock { $0.map { "\($0.level) \($0.text)" }.joined(separator: "\n") } }

        /// The lines (message and metadata) logged at `level` or above.
        public func atLeast(_ level: Logger.Level) -> [String] { self.lines.withLock { $0.filter { $0.level >= level }.map(\.text) } }

        /// The lines (message and metadata) logged at exactly `level`.
        public func at(_ level: Logger.Level) -> [String] { self.lines.withLock { $0.filter { $0.level == level }.map(\.text) } }
    }

    /// Where this handler writes.
    public let store: Lines
    /// The logger's own metadata, merged under each event's.
    public var metadata: Logger.Metadata = [:]
    /// Everything down to `trace` is kept by default.
    public var logLevel: Logger.Level = .trace

    /// A handler writing into `store`.
    public init(store: Lines) {
        self.store = store
    }

    /// One entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Keeps the event's level, message and metadata (the event's entries win over the logger's).
    public func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.store.append(event.level, "\(event.message) \(merged)")
    }

    /// A logger labelled `label` writing into a fresh store, and that store.
    public static func logger(label: String = "test") -> (Logger, Lines) {
        let store = Lines()
        return (Logger(label: label) { _ in CapturingLogHandler(store: store) }, store)
    }
}
