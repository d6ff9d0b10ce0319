/// Where TikTok is, who we are to it, and how long we wait. `description` never shows the client secret.
public struct TikTokConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Base of the JSON and OAuth token endpoints (`/v2/...`). Point it at `reelay sandbox` for local runs.
    public var apiBaseURL = "https://open.tiktokapis.com"
    /// Base of the authorization page (`/v2/auth/authorize/`), opened in the account owner's browser.
    public var authBaseURL = "https://www.tiktok.com"
    /// The app's client key (TikTok's name for client_id).
    public var clientKey = ""
    /// The app's client secret: sent only in OAuth form bodies, never logged or printed.
    public var clientSecret = ""
    /// The registered redirect URI the authorization page returns to.
    public var redirectURI = ""
    /// Longest wait for a TCP (and TLS) connection.
    public var connectTimeout: Duration = .seconds(10)
    /// Longest time for one API call, from sending the request to the last byte of the reply.
    public var requestDeadline: Duration = .seconds(30)
    /// Longest time for one chunk PUT, from the first byte sent to the last byte of the reply.
    public var chunkUploadDeadline: Duration = .seconds(300)
    /// Replies larger than this are refused with ``TikTokError/Code/responseTooLarge`` (TikTok's are a few hundred bytes).
    public var maxResponseBytes = 1 << 20
    /// Size of the pieces an upload reads from the file and sends; bounds the memory one upload uses.
    public var uploadPieceBytes = 256 << 10
    /// Connections kept per host (uploads and API calls share the pool).
    public var connectionsPerHost = 8

    /// The defaults, pointing at TikTok's production hosts with no credentials.
    public init() {}

    /// A configuration with credentials.
    public init(clientKey: String, clientSecret: String, redirectURI: String) {
        self.clientKey = clientKey
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }

    public var description: String {
        "TikTokConfiguration(api: \(self.apiBaseURL), auth: \(self.authBaseURL), client_key: \(self.clientKey), "
            + "client_secret: \(self.clientSecret.isEmpty ? "<unset>" : "<redacted>"), redirect_uri: \(self.redirectURI))"
    }

    public var debugDescription: String { self.description }
}
