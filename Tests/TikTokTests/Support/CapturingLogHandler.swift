import Logging
import Synchronization

/// A log handler that keeps every line (message and metadata) for tests that check what gets logged.
struct CapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: String { self.lines.withLock { $0.joined(separator: "\n") } }
    }

    let store: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.store.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }

    /// A logger writing into a fresh store.
    static func logger() -> (Logger, Lines) {
        let store = Lines()
        return (Logger(label: "test") { _ in CapturingLogHandler(store: store) }, store)
    }
}
