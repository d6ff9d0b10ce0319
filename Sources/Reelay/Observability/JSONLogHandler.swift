import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line to standard error: `ts` (UTC, milliseconds), `level`,
/// `logger` (the label), `msg`, then the metadata (the handler's, the provider's, then the call's; the call wins) as
/// string fields, plus `source` and `at` (file:line) at debug and below.
///
/// Metadata is flattened: a nested dictionary becomes `key.sub`, an array a JSON array of strings. A metadata key that
/// names a credential (``isSecretKey(_:)``) is written as `"<redacted>"` whatever its value, so a careless call site
/// cannot leak a token through a field name.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let sink: LogSink

    init(label: String, sink: LogSink = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let call = event.metadata { merged.merge(call) { _, new in new } }
        var line = "{\"ts\":" + Self.quoted(Self.timestamp(Date()))
        line += ",\"level\":" + Self.quoted(event.level.rawValue)
        line += ",\"logger\":" + Self.quoted(self.label)
        line += ",\"msg\":" + Self.quoted(event.message.description)
        for (key, value) in Self.flatten(merged).sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            line += "," + Self.quoted(key) + ":" + (Self.isSecretKey(key) ? Self.quoted("<redacted>") : value)
        }
        if event.level <= .debug {
            line += ",\"source\":" + Self.quoted(event.source) + ",\"at\":" + Self.quoted("\(event.file):\(event.line)")
        }
        line += "}\n"
        self.sink.write(line)
    }

    /// Field names the handler writes itself; metadata under these names is dropped rather than allowed to shadow them.
    static let reserved: Set<String> = ["ts", "level", "logger", "msg", "source", "at"]

    /// True for a metadata key that names a credential: its last dotted part contains `token`, `secret`, `password`,
    /// `authorization`, `cookie` or `api_key` (but ids of such things, `…_id`, stay readable).
    static func isSecretKey(_ key: String) -> Bool {
        let last = key.split(separator: ".").last.map { $0.lowercased() } ?? key.lowercased()
        if last.hasSuffix("_id") || last == "id" { return false }
        return ["token", "secret", "password", "authorization", "cookie", "api_key", "apikey"].contains { last.contains($0) }
    }

    /// Metadata as `key → JSON value text`, nested dictionaries flattened with dots.
    static func flatten(_ metadata: Logger.Metadata, prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in metadata {
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case .string(let text): out[name] = Self.quoted(text)
            case .stringConvertible(let convertible): out[name] = Self.quoted(convertible.description)
            case .array(let items): out[name] = "[" + items.map { Self.quoted($0.description) }.joined(separator: ",") + "]"
            case .dictionary(let nested): out.merge(Self.flatten(nested, prefix: name)) { _, new in new }
            }
        }
        return out
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// ISO 8601 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String { Self.timeStyle.format(date) }

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// Where log lines go: standard error (each line handed over whole in one write, so lines of concurrent tasks do not
/// interleave) or a buffer for tests.
final class LogSink: Sendable {
    private let isCapturing: Bool
    private let lines = Mutex<[String]>([])

    private init(capturing: Bool) { self.isCapturing = capturing }

    /// Standard error.
    static let standardError = LogSink(capturing: false)
    /// A sink keeping every line in memory (tests).
    static func capturing() -> LogSink { LogSink(capturing: true) }

    func write(_ line: String) {
        if self.isCapturing {
            self.lines.withLock { $0.append(line) }
            return
        }
        // The throwing form: a closed or full standard error must not stop the process.
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }

    /// The lines written so far (a capturing sink's; empty otherwise).
    var captured: [String] { self.lines.withLock { $0 } }
}
