public import Foundation

/// An access token read from the worker cache, decrypted. `description` shows no token.
public struct CachedAccessToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The bearer token.
    public var accessToken: String
    /// The account's TikTok `open_id`.
    public var openID: String
    /// When TikTok stops accepting the token.
    public var expiresAt: Date

    /// A token with its parts.
    public init(accessToken: String, openID: String, expiresAt: Date) {
        self.accessToken = accessToken
        self.openID = openID
        self.expiresAt = expiresAt
    }

    public var description: String { "CachedAccessToken(open_id: \(self.openID), expires_at: \(self.expiresAt), access_token: <redacted>)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["openID": self.openID, "expiresAt": self.expiresAt], displayStyle: .struct) }
}
