import Foundation

/// The scopes the sandbox knows (reference §1.2, §2.1).
enum Scope {
    static let userInfoBasic = "user.info.basic"
    static let videoPublish = "video.publish"
    static let videoUpload = "video.upload"
    static let all: Set<String> = [userInfoBasic, videoPublish, videoUpload]
}

/// A single-use authorization code issued by the authorize page.
struct AuthorizationCode: Codable, Sendable {
    var clientKey: String
    var openID: String
    var scopes: [String]
    var redirectURI: String
    var expiresAt: Date
}

/// One user's consent to the app, as a chain of rotating refresh tokens. Revoking it ends every token it issued.
struct Grant: Codable, Sendable {
    var clientKey: String
    var openID: String
    var scopes: [String]
    /// The only refresh token that still works (rotation: each refresh replaces it).
    var refreshToken: String
    /// Fixed at the first issue; rotation does not extend it (UNCONFIRMED in TikTok's docs; the conservative choice).
    var refreshExpiresAt: Date
    var revoked: Bool
}

/// An issued access token.
struct AccessToken: Codable, Sendable {
    var grantID: String
    var expiresAt: Date
}

/// Who an accepted access token speaks for.
struct Caller: Sendable {
    var token: String
    var clientKey: String
    var openID: String
    var scopes: [String]
}
