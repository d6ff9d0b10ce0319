import Foundation
import JobQueue

/// The places a setting can come from, merged in order of precedence: flags, then `REELAY_*` environment variables,
/// then the config file, then the defaults.
struct SettingSources {
    /// Values given as flags, by flag name (without dashes).
    var flags: [String: String]
    /// The process environment (only `REELAY_*` names are read).
    var environment: [String: String]
    /// The `--config` file, if one was given.
    var file: EnvironmentFile?

    /// Checks the config file for names Reelay does not know, so a typo is an error instead of a silently ignored line.
    func validateFile() throws(ConfigurationError) {
        guard let file = self.file else { return }
        let known = Set(SettingsCatalog.all.map(\.variable))
        for (name, entry) in file.entries.sorted(by: { $0.value.line < $1.value.line }) where !known.contains(name) {
            throw ConfigurationError(
                variable: name, source: .file(path: file.path, line: entry.line),
                problem: "unknown setting (config/reelay.example.env lists every setting)")
        }
    }

    /// The value of `setting` and where it came from.
    func value(of setting: SettingDefinition) -> (value: String, source: SettingSource) {
        if let flagged = self.flags[setting.flag] { return (flagged, .flag(setting.flag)) }
        if let environment = self.environment[setting.variable] { return (environment, .environment) }
        if let file = self.file, let entry = file.entries[setting.variable] {
            return (entry.value, .file(path: file.path, line: entry.line))
        }
        return (setting.defaultValue, .defaultValue)
    }

    /// The value of `setting` read by `parse`; a parse failure becomes a ``ConfigurationError`` naming the variable.
    func read<Value>(_ setting: SettingDefinition, _ parse: (String) -> Result<Value, SettingProblem>) throws(ConfigurationError) -> Value {
        let (raw, source) = self.value(of: setting)
        switch parse(raw) {
        case .success(let value): return value
        case .failure(let problem): throw ConfigurationError(variable: setting.variable, source: source, problem: problem.message)
        }
    }
}

/// Why one raw value cannot be used, in words for the operator.
struct SettingProblem: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Parsers for the value kinds settings use.
enum SettingParsers {
    /// A whole number within `range`.
    /// A job queue name (1 to 64 of a-z, 0-9, _ and -).
    static func queueName(_ raw: String) -> Result<String, SettingProblem> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard (try? QueueKeys.validate(queue: text)) != nil else {
            return .failure(SettingProblem("must be a queue name: 1 to 64 of a-z, 0-9, _ and -"))
        }
        return .success(text)
    }

    static func integer(in range: ClosedRange<Int>) -> (String) -> Result<Int, SettingProblem> {
        { raw in
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                return .failure(SettingProblem("must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(raw)'"))
            }
            return .success(value)
        }
    }

    /// A duration such as `250ms`, `2s`, `1.5s` or `5m` (a bare number means seconds) within `range`.
    static func duration(in range: ClosedRange<Duration>) -> (String) -> Result<Duration, SettingProblem> {
        { raw in
            let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
            let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
            let unit = units.first { text.hasSuffix($0.suffix) && Double(text.dropLast($0.suffix.count)) != nil }
            let number = unit.map { Double(text.dropLast($0.suffix.count)) } ?? Double(text)
            guard let number, number.isFinite, number >= 0 else {
                return .failure(SettingProblem("must be a duration such as 500ms, 2s or 1m, got '\(raw)'"))
            }
            let duration = Duration.milliseconds(number * (unit?.milliseconds ?? 1000))
            guard range.contains(duration) else {
                return .failure(SettingProblem("must be between \(range.lowerBound) and \(range.upperBound), got '\(raw)'"))
            }
            return .success(duration)
        }
    }

    /// One of `choices`, case-insensitively.
    static func choice(_ choices: [String]) -> (String) -> Result<String, SettingProblem> {
        { raw in
            let value = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard choices.contains(value) else {
                return .failure(SettingProblem("must be one of \(choices.joined(separator: ", ")), got '\(raw)'"))
            }
            return .success(value)
        }
    }
}
