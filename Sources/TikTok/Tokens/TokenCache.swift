public import Foundation
public import Redis

/// The workers' cache of access tokens in Redis (architecture.md, Broker table): one hash per account,
/// `reelay:token:{<account uuid>}` with fields `access_token` (encrypted, ``TokenCipher`` format bound to the account
/// id), `expires_at` (epoch ms), `open_id` and `key_id`, expiring with the token. PostgreSQL stays the source of truth:
/// whoever refreshes a token commits it there first, then calls ``put(account:accessToken:openID:expiresAt:)``.
public struct TokenCache: Sendable {
    /// The Redis holding the cache.
    public let redis: RedisClient
    /// Encrypts and decrypts the cached tokens.
    public let cipher: TokenCipher
    /// ``get(account:now:)`` treats a token expiring within this margin as missing, so the worker asks for a refresh
    /// instead of starting a publish with a token about to die.
    public var refreshMargin: Duration
    /// The key prefix (`reelay`).
    public let prefix: String

    /// A cache in `redis` under `prefix`.
    public init(redis: RedisClient, cipher: TokenCipher, refreshMargin: Duration = .seconds(600), prefix: String = "reelay") {
        self.redis = redis
        self.cipher = cipher
        self.refreshMargin = refreshMargin
        self.prefix = prefix
    }

    /// The key of `account`'s hash; `{…}` is a hash tag.
    /// - Throws: ``TokenCacheError/Code/invalidAccountID`` unless `account` is a UUID.
    public func key(account: String) throws(TokenCacheError) -> String {
        guard let uuid = UUID(uuidString: account) else {
            throw TokenCacheError(.invalidAccountID, detail: "account id must be a UUID")
        }
        return "\(self.prefix):token:{\(uuid.uuidString.lowercased())}"
    }

    /// Stores `account`'s access token, encrypted, replacing any previous entry; the key expires at `expiresAt`.
    public func put(account: String, accessToken: String, openID: String, expiresAt: Date) async throws(TokenCacheError) {
        let key = try self.key(account: account)
        guard !accessToken.isEmpty, !openID.isEmpty else { throw TokenCacheError(.invalidArgument, detail: "empty token or open_id") }
        let sealed: String
        do { sealed = try self.cipher.encrypt(accessToken, context: Self.context(key)) } catch { throw TokenCacheError(.encryption, detail: "\(error.code)") }
        let expiresAtMs = Int64((expiresAt.timeIntervalSince1970 * 1000).rounded(.down))
        try await self.call {
            _ = try await self.redis.evalSHA(
                Self.putScript, keys: [key], arguments: [sealed, String(expiresAtMs), openID, self.cipher.keyring.currentKeyID])
        }
    }

    /// `account`'s token if it is cached, decrypts, and lives longer than ``refreshMargin`` after `now`; nil otherwise
    /// (missing, expiring, or undecryptable — for example made with a key since removed: the next refresh replaces it).
    public func get(account: String, now: Date = Date()) async throws(TokenCacheError) -> CachedAccessToken? {
        let key = try self.key(account: account)
        let reply = try await self.call { try await self.redis.send(["HMGET", key, "access_token", "expires_at", "open_id"]) }
        guard let fields = reply.array, fields.count == 3, let sealed = fields[0].string, let expiresAtMs = fields[1].string.flatMap({ Int64($0) }),
            let openID = fields[2].string
        else { return nil }
        let expiresAt = Date(timeIntervalSince1970: Double(expiresAtMs) / 1000)
        let margin = Double(self.refreshMargin.components.seconds) + Double(self.refreshMargin.components.attoseconds) / 1e18
        guard expiresAt.timeIntervalSince(now) > margin else { return nil }
        guard let token = try? self.cipher.decrypt(sealed, context: Self.context(key)) else { return nil }
        return CachedAccessToken(accessToken: token, openID: openID, expiresAt: expiresAt)
    }

    /// Forgets `account`'s token (disconnect, revoke, `access_token_invalid`).
    public func remove(account: String) async throws(TokenCacheError) {
        let key = try self.key(account: account)
        _ = try await self.call { try await self.redis.send(["DEL", key]) }
    }

    /// The authenticated context of an account's ciphertext: its key, so a value copied to another account fails.
    private static func context(_ key: String) -> String { key }

    private func call<Result>(_ body: () async throws -> Result) async throws(TokenCacheError) -> Result {
        do {
            return try await body()
        } catch let error as RedisError {
            throw TokenCacheError(.broker, detail: error.debugDescription)
        } catch {
            throw TokenCacheError(.broker, detail: String(describing: type(of: error)))
        }
    }

    /// Replaces one account's entry and sets its expiry, atomically.
    /// KEYS[1] = the token hash. ARGV = sealed access token, expires_at (epoch ms), open_id, key id. Returns 1.
    /// An `expires_at` already past deletes the key at once (PEXPIREAT semantics).
    static let putScript = RedisScript(
        """
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'access_token', ARGV[1], 'expires_at', ARGV[2], 'open_id', ARGV[3], 'key_id', ARGV[4])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        return 1
        """)
}
