public import Foundation

/// An API key's record: never its secret, only the short public `prefix` and a SHA-256 of the whole key.
public struct APIKey: Sendable, Hashable {
    /// What a key may do.
    public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
        /// Everything, including API keys and queue controls.
        case admin
        /// Reads and writes accounts, media, campaigns and posts.
        case editor
        /// Reads only.
        case viewer
    }

    /// The record's id.
    public var id: UUID
    /// A name for people (who or what uses it).
    public var name: String
    /// The public part of the key, shown in lists and logs.
    public var prefix: String
    /// What it may do.
    public var role: Role
    /// When it was made.
    public var createdAt: Date
    /// When it stops working by itself, if ever.
    public var expiresAt: Date?
    /// When it was last used (updated at most once a minute).
    public var lastUsedAt: Date?
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    /// A record.
    public init(
        id: UUID, name: String, prefix: String, role: Role, createdAt: Date, expiresAt: Date? = nil, lastUsedAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the key works at `now`: not revoked, not expired.
    public func isUsable(at now: Date) -> Bool {
        self.revokedAt == nil && (self.expiresAt.map { $0 > now } ?? true)
    }
}
