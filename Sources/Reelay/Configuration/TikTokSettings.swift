import Foundation
import TikTok

/// The TikTok client's settings and the token cipher, parsed and checked. Secret values (client secret, encryption
/// keys) never appear in a ``ConfigurationError``: their parsers describe the problem without echoing the value.
struct TikTokSettings {
    /// Hosts and credentials for ``TikTokClient``; deadlines and limits keep their defaults.
    var configuration: TikTokConfiguration
    /// The token cipher, or nil when `REELAY_ENCRYPTION_KEY` is empty (commands that store tokens must then refuse to start).
    var cipher: TokenCipher?

    /// Reads the settings from `sources`.
    init(_ sources: SettingSources) throws(ConfigurationError) {
        var configuration = TikTokConfiguration()
        configuration.apiBaseURL = try sources.read(SettingsCatalog.tiktokAPIURL, Self.baseURL)
        configuration.authBaseURL = try sources.read(SettingsCatalog.tiktokAuthURL, Self.baseURL)
        configuration.clientKey = try sources.read(SettingsCatalog.tiktokClientKey, Self.credential(secret: false))
        configuration.clientSecret = try sources.read(SettingsCatalog.tiktokClientSecret, Self.credential(secret: true))
        configuration.redirectURI = try sources.read(SettingsCatalog.tiktokRedirectURI, Self.redirectURI)
        self.configuration = configuration
        self.cipher = try sources.read(SettingsCatalog.encryptionKey, Self.cipher)
    }

    /// An `http(s)://host[:port][/path]` URL without query or fragment; a trailing slash is dropped.
    static func baseURL(_ raw: String) -> Result<String, SettingProblem> {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return .failure(SettingProblem("must be an http(s) URL such as https://open.tiktokapis.com, got '\(raw)'")) }
        return .success(text)
    }

    /// Empty (not configured) or an absolute https URL without fragment; http is accepted for localhost / 127.0.0.1 only.
    static func redirectURI(_ raw: String) -> Result<String, SettingProblem> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .success("") }
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty, url.fragment == nil else {
            return .failure(SettingProblem("must be an absolute URL without #fragment, got '\(raw)'"))
        }
        let scheme = url.scheme?.lowercased() ?? ""
        guard scheme == "https" || (scheme == "http" && ["localhost", "127.0.0.1"].contains(host)) else {
            return .failure(SettingProblem("must use https (http only for localhost), got '\(raw)'"))
        }
        return .success(text)
    }

    /// Printable ASCII without spaces, or empty; a secret's value is never echoed.
    static func credential(secret: Bool) -> (String) -> Result<String, SettingProblem> {
        { raw in
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failure(SettingProblem(secret ? "must be printable ASCII without spaces (value not shown)" : "must be printable ASCII without spaces, got '\(raw)'"))
            }
            return .success(text)
        }
    }

    /// Empty (no cipher) or a valid key list; the problem names the entry, never the key.
    static func cipher(_ raw: String) -> Result<TokenCipher?, SettingProblem> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .success(nil) }
        do {
            return .success(try TokenCipher(keySetting: text))
        } catch {
            return .failure(SettingProblem("\(error.detail ?? "invalid key list") (format: k2:<base64 of 32 bytes>,k1:<…>; value not shown)"))
        }
    }
}
