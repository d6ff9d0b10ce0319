import Foundation

import CLibPQ

extension PostgresConfiguration {
    /// Runs libpq's own parser (`PQconninfoParse`) over a URL or keyword string and returns the keywords it set.
    static func parseConnectionString(_ string: String) throws(PostgresError) -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(string, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory while parsing the connection string"
            throw PostgresError(.invalidURL, message: Self.scrubPassword(in: message.trimmingWhitespace(), of: string))
        }
        defer { PQconninfoFree(options) }
        var parameters: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { parameters[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return parameters
    }

    /// libpq quotes fragments of a malformed string in its message; remove anything that may be the password.
    private static func scrubPassword(in message: String, of input: String) -> String {
        var secrets: [Substring] = []
        if let scheme = input.range(of: "://") {
            let rest = input[scheme.upperBound...]
            if let at = rest.firstIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                secrets.append(rest[rest.index(after: colon)..<at])
            }
        }
        if let key = input.range(of: "password") {
            secrets.append(contentsOf: input[key.upperBound...].split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "&" }).prefix(1))
        }
        var scrubbed = message
        for secret in secrets where !secret.isEmpty { scrubbed = scrubbed.replacingOccurrences(of: String(secret), with: "***") }
        return scrubbed
    }
}
