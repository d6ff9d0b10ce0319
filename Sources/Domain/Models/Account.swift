public import Foundation

/// A connected TikTok account, without its tokens (those are ``AccountTokens``, read only by code that needs them).
public struct Account: Sendable, Hashable, Identifiable {
    /// Whether the account may post now.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Can post.
        case active
        /// Resting until ``Account/cooldownUntil`` (TikTok's limits, repeated failures).
        case cooldown
        /// The tokens are expired or revoked: the creator must connect again.
        case needsReauth = "needs_reauth"
        /// TikTok restricted the account.
        case restricted
        /// Turned off by a user (or deleted while history still references it).
        case disabled
    }

    /// The account's id.
    public var id: UUID
    /// TikTok's id of the creator for our app; unique.
    public var openID: String
    /// Display name.
    public var nickname: String
    /// `@handle`, when TikTok gave one.
    public var username: String?
    /// Whether the account may post now.
    public var status: Status
    /// Why the status is what it is (the last error code, "disabled by user"), if known.
    public var statusReason: String?
    /// End of a cooldown.
    public var cooldownUntil: Date?
    /// When the stored access token expires (`nil` without one).
    public var accessTokenExpiresAt: Date?
    /// When the stored refresh token expires (`nil` without one).
    public var refreshTokenExpiresAt: Date?
    /// The OAuth scopes granted.
    public var scopes: [String]
    /// IANA time zone of the account's day (for its daily cap).
    public var timezone: String
    /// Posts allowed per day, 0...1000.
    public var dailyCap: Int
    /// Free labels for selecting accounts (`[a-z0-9_:-]`, 1...64 characters, at most 20).
    public var labels: [String]
    /// The last creator-info snapshot (empty when never fetched).
    public var creatorInfo: [String: JSONValue]
    /// When ``creatorInfo`` was fetched.
    public var creatorInfoAt: Date?
    /// When the account was first connected.
    public var createdAt: Date
    /// When the row last changed.
    public var updatedAt: Date

    /// An account with every field given.
    public init(
        id: UUID, openID: String, nickname: String, username: String?, status: Status, statusReason: String?, cooldownUntil: Date?,
        accessTokenExpiresAt: Date?, refreshTokenExpiresAt: Date?, scopes: [String], timezone: String, dailyCap: Int, labels: [String],
        creatorInfo: [String: JSONValue], creatorInfoAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.openID = openID
        self.nickname = nickname
        self.username = username
        self.status = status
        self.statusReason = statusReason
        self.cooldownUntil = cooldownUntil
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.scopes = scopes
        self.timezone = timezone
        self.dailyCap = dailyCap
        self.labels = labels
        self.creatorInfo = creatorInfo
        self.creatorInfoAt = creatorInfoAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An account's OAuth tokens as stored: AES-GCM ciphertexts (sealed and opened by the API's token cipher; Domain only
/// stores bytes), their expiry times and the id of the key that sealed them. ``description`` shows no token bytes.
public struct AccountTokens: Sendable, Hashable, CustomStringConvertible {
    /// The sealed access token.
    public var accessTokenCiphertext: Data
    /// When the access token expires.
    public var accessTokenExpiresAt: Date
    /// The sealed refresh token, if any.
    public var refreshTokenCiphertext: Data?
    /// When the refresh token expires; set exactly when ``refreshTokenCiphertext`` is.
    public var refreshTokenExpiresAt: Date?
    /// The id of the key that sealed both tokens (1...64 characters).
    public var keyID: String

    /// Tokens as stored.
    public init(accessTokenCiphertext: Data, accessTokenExpiresAt: Date, refreshTokenCiphertext: Data?, refreshTokenExpiresAt: Date?, keyID: String) {
        self.accessTokenCiphertext = accessTokenCiphertext
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshTokenCiphertext = refreshTokenCiphertext
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.keyID = keyID
    }

    /// Expiries and key id only.
    public var description: String {
        "AccountTokens(access expires: \(self.accessTokenExpiresAt), refresh expires: \(self.refreshTokenExpiresAt.map { "\($0)" } ?? "none"), key: \(self.keyID))"
    }

    /// Every problem of these tokens (`prefix` names the fields, e.g. `""` or `"tokens."`); `now` judges expiry.
    /// The access token may have expired when a refresh token that has not is given (it can be refreshed).
    public func problems(now: Date, prefix: String = "") -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if self.accessTokenCiphertext.isEmpty {
            problems.append(FieldProblem(field: prefix + "access_token", problem: "is required"))
        }
        if !(1...64).contains(self.keyID.count) {
            problems.append(FieldProblem(field: prefix + "token_key_id", problem: "must be 1 to 64 characters"))
        }
        switch (self.refreshTokenCiphertext, self.refreshTokenExpiresAt) {
        case (nil, nil):
            if self.accessTokenExpiresAt <= now {
                problems.append(FieldProblem(field: prefix + "access_token_expires_at", problem: "must be in the future"))
            }
        case (let token?, let expiry?):
            if token.isEmpty { problems.append(FieldProblem(field: prefix + "refresh_token", problem: "must not be empty")) }
            if expiry <= now {
                problems.append(FieldProblem(field: prefix + "refresh_token_expires_at", problem: "must be in the future"))
            }
        case (nil, _?):
            problems.append(FieldProblem(field: prefix + "refresh_token", problem: "is required with refresh_token_expires_at"))
        case (_?, nil):
            problems.append(FieldProblem(field: prefix + "refresh_token_expires_at", problem: "is required with refresh_token"))
        }
        return problems
    }
}
