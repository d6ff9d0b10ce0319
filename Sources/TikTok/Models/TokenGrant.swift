public import Foundation

/// The tokens TikTok grants on code exchange or refresh (reference §1.4–§1.6). `description` shows no token.
public struct TokenGrant: Sendable, Hashable, Decodable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The access token (`act.…`), sent as `Authorization: Bearer`.
    public var accessToken: String
    /// Seconds until the access token expires, counted from the reply.
    public var expiresIn: Int64
    /// The user's id for this app.
    public var openID: String
    /// The refresh token (`rft.…`). TikTok may rotate it on every refresh: persist the new one before using the grant.
    public var refreshToken: String
    /// Seconds until the refresh token expires.
    public var refreshExpiresIn: Int64
    /// The scopes the user actually granted (may be fewer than asked).
    public var scopes: [String]
    /// `Bearer`.
    public var tokenType: String

    /// A grant with its parts (for tests and for tokens loaded from storage).
    public init(
        accessToken: String, expiresIn: Int64, openID: String, refreshToken: String, refreshExpiresIn: Int64,
        scopes: [String], tokenType: String = "Bearer"
    ) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.openID = openID
        self.refreshToken = refreshToken
        self.refreshExpiresIn = refreshExpiresIn
        self.scopes = scopes
        self.tokenType = tokenType
    }

    /// When the access token expires, for a reply received at `now`.
    public func accessTokenExpiry(now: Date) -> Date { now.addingTimeInterval(TimeInterval(self.expiresIn)) }

    /// When the refresh token expires, for a reply received at `now`.
    public func refreshTokenExpiry(now: Date) -> Date { now.addingTimeInterval(TimeInterval(self.refreshExpiresIn)) }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", expiresIn = "expires_in", openID = "open_id", refreshToken = "refresh_token"
        case refreshExpiresIn = "refresh_expires_in", scope, tokenType = "token_type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.accessToken = try container.decode(String.self, forKey: .accessToken)
        self.expiresIn = try container.decode(Int64.self, forKey: .expiresIn)
        self.openID = try container.decode(String.self, forKey: .openID)
        self.refreshToken = try container.decode(String.self, forKey: .refreshToken)
        self.refreshExpiresIn = try container.decode(Int64.self, forKey: .refreshExpiresIn)
        let scope = try container.decodeIfPresent(String.self, forKey: .scope) ?? ""
        self.scopes = scope.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.tokenType = try container.decodeIfPresent(String.self, forKey: .tokenType) ?? "Bearer"
        guard !self.accessToken.isEmpty, !self.refreshToken.isEmpty, !self.openID.isEmpty, self.expiresIn > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.accessToken], debugDescription: "empty token fields"))
        }
    }

    public var description: String {
        "TokenGrant(open_id: \(self.openID), expires_in: \(self.expiresIn), refresh_expires_in: \(self.refreshExpiresIn), "
            + "scopes: \(self.scopes.joined(separator: ",")), access_token: <redacted>, refresh_token: <redacted>)"
    }

    public var debugDescription: String { self.description }
}
