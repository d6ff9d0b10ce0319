import Foundation

/// `application/x-www-form-urlencoded` pairs (also query strings): `+` is a space, `%XX` a byte.
enum FormFields {
    /// The fields of `text`, or `nil` when it is malformed (bad percent-encoding or a repeated name: RFC 6749 §3.1
    /// forbids repeating a parameter).
    static func parse(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = self.decode(parts[0]), let value = self.decode(parts.count > 1 ? parts[1] : "") else { return nil }
            guard fields[name] == nil else { return nil }
            fields[name] = value
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// `value` percent-encoded for a query string.
    static func encode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
