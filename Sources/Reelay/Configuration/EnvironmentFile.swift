import Foundation

/// The parsed contents of a `reelay.env`-style file: `NAME=value` lines, `#` comments, blank lines, an optional
/// leading `export `, and values optionally wrapped in single quotes (taken literally) or double quotes (with `\"`,
/// `\\` and `\n` escapes).
struct EnvironmentFile: Equatable {
    /// One assignment with the line it came from.
    struct Entry: Equatable {
        var value: String
        var line: Int
    }

    /// The file's path, for messages.
    var path: String
    /// Variable name → value and line; a later line wins over an earlier one.
    var entries: [String: Entry]

    /// Reads and parses `path`.
    init(contentsOf path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(variable: "--config", source: .flag("config"), problem: "cannot read file '\(path)'")
        }
        try self.init(parsing: text, path: path)
    }

    /// Parses `text` as the contents of `path`.
    init(parsing text: String, path: String) throws(ConfigurationError) {
        self.path = path
        self.entries = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            let source = SettingSource.file(path: path, line: lineNumber)
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(variable: "line \(lineNumber)", source: source, problem: "expected NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard name.range(of: "^[A-Z_][A-Z0-9_]*$", options: .regularExpression) != nil else {
                throw ConfigurationError(variable: "line \(lineNumber)", source: source, problem: "'\(name)' is not a variable name")
            }
            let value = try Self.unquote(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), name: name, source: source)
            self.entries[name] = Entry(value: value, line: lineNumber)
        }
    }

    private static func unquote(_ raw: String, name: String, source: SettingSource) throws(ConfigurationError) -> String {
        guard let first = raw.first, first == "\"" || first == "'" else {
            // Unquoted: a ` #` starts a comment.
            if let comment = raw.range(of: " #") { return raw[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            return raw
        }
        guard raw.count >= 2, raw.last == first else {
            throw ConfigurationError(variable: name, source: source, problem: "unterminated \(first) quote")
        }
        let body = raw.dropFirst().dropLast()
        if first == "'" { return String(body) }
        var result = ""
        var escaping = false
        for character in body {
            if escaping {
                result.append(character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
