import Foundation
import Redis

/// Writes the `redis-cli` command lines that read the same data as a `reelay queue` view, for the configured server
/// (`-h`/`-p`/`-s`, `-n` for a database other than 0, `--askpass` when a password is set; never the password).
struct RedisCLI: Sendable {
    /// `redis-cli` with its connection options.
    let base: String

    init(_ configuration: RedisConfiguration) {
        var parts = ["redis-cli"]
        switch configuration.endpoint {
        case .tcp(let host, let port):
            if host != "127.0.0.1" && host != "localhost" { parts += ["-h", Self.quoted(host)] }
            if port != 6379 { parts += ["-p", String(port)] }
        case .unix(let path):
            parts += ["-s", Self.quoted(path)]
        }
        if configuration.database != 0 { parts += ["-n", String(configuration.database)] }
        if let user = configuration.username { parts += ["--user", Self.quoted(user)] }
        if configuration.password != nil { parts.append("--askpass") }
        self.base = parts.joined(separator: " ")
    }

    /// One command line, each argument quoted for a POSIX shell where needed.
    func line(_ arguments: String...) -> String {
        ([self.base] + arguments.map(Self.quoted)).joined(separator: " ")
    }

    /// `text` as is when it is plain, else in single quotes.
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "_-.:/+@=,".utf8.contains(byte)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// A plain text table: columns padded to their widest cell, two spaces apart.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = rows.reduce(into: [Int]()) { widths, row in
            for (index, cell) in row.enumerated() {
                if index < widths.count { widths[index] = max(widths[index], cell.count) } else { widths.append(cell.count) }
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// A duration in seconds as `45s`, `3m20s`, `2h05m` or `3d04h`.
    static func age(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(String(format: "%02d", total % 60))s"
        case ..<86_400: return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
        default: return "\(total / 86_400)d\(String(format: "%02d", total % 86_400 / 3600))h"
        }
    }
}
