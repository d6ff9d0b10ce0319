public import Domain
public import Foundation
public import JobQueue
public import Logging
public import Postgres
public import Redis
public import TikTok

/// Refreshes an account's OAuth tokens, single-flight per account across every process (API and scheduler): a Redis
/// lock `reelay:lock:refresh:{<account>}` on Redis's clock. The new pair is committed to PostgreSQL (the source of truth)
/// before the workers' token cache is updated, because TikTok may rotate the refresh token: a crash between the two
/// leaves a stale cache entry, which the worker refreshes from PostgreSQL, never a lost refresh token. A refresh TikTok
/// refuses turns the account `needs_reauth` with the reason and takes its token out of the cache.
public struct TokenRefresher: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let tiktok: TikTokClient
    let cipher: TokenCipher
    let clock: RedisClock
    let logger: Logger

    /// How long the lock is held at most (a refresher that dies holding it frees it after this).
    public static let lockLifetime: Duration = .seconds(60)

    /// A refresher.
    public init(postgres: PostgresClient, redis: RedisClient, tiktok: TikTokClient, cipher: TokenCipher, clock: RedisClock, logger: Logger) {
        self.postgres = postgres
        self.redis = redis
        self.tiktok = tiktok
        self.cipher = cipher
        self.clock = clock
        self.logger = logger
    }

    /// The encryption context of an account's tokens (binds a ciphertext to its account).
    public static func tokenContext(openID: String) -> String { "reelay:account:" + openID }

    var accounts: AccountRepository { AccountRepository(client: self.postgres) }

    /// Refreshes the tokens of account `id` once, whoever else asks at the same time: a caller that finds the lock
    /// taken waits (up to `wait`) for the other's outcome and reads it from PostgreSQL.
    /// - Returns: The account as stored afterwards and its new access token.
    /// - Throws: ``TokenRefreshError``, or `DomainError` (`notFound`, `database`), or a Redis error.
    public func refresh(_ id: UUID, wait: Duration = .seconds(20)) async throws -> (Account, String) {
        let account = try await self.accounts.get(id: id)
        guard account.status != .disabled else { throw TokenRefreshError(.accountDisabled, "the account is disabled; enable it first") }
        let lockKey = "reelay:lock:refresh:{\(id.uuidString.lowercased())}"
        let owner = UUID().uuidString
        let deadline = ContinuousClock.now.advanced(by: wait)
        while try await self.redis.send(["SET", lockKey, owner, "PX", String(Self.lockLifetime.components.seconds * 1000), "NX"]) == .null {
            guard ContinuousClock.now < deadline else {
                throw TokenRefreshError(.refreshInProgress, "another refresh of this account is still running; try again shortly")
            }
            try await Task.sleep(for: .milliseconds(100))
            // The other refresh finished: its result is in PostgreSQL.
            if try await self.redis.send(["EXISTS", lockKey]) == .integer(0) {
                let refreshed = try await self.accounts.get(id: id)
                if refreshed.status == .needsReauth {
                    throw TokenRefreshError(.needsReauth, refreshed.statusReason ?? "the account must be connected again")
                }
                return (refreshed, try await self.storedAccessToken(of: refreshed))
            }
        }
        do {
            let result = try await self.refreshHoldingLock(account)
            _ = try? await self.redis.send(["EVAL", Self.releaseLockScript, "1", lockKey, owner])
            return result
        } catch {
            _ = try? await self.redis.send(["EVAL", Self.releaseLockScript, "1", lockKey, owner])
            throw error
        }
    }

    /// Deletes the lock only when this caller still owns it.
    /// - KEYS: 1 the lock. - ARGV: 1 its owner. - Reply: 1 deleted, 0 not ours (expired and taken by another).
    static let releaseLockScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

    private func refreshHoldingLock(_ account: Account) async throws -> (Account, String) {
        guard let stored = try await self.accounts.tokens(id: account.id), let ciphertext = stored.refreshTokenCiphertext else {
            throw TokenRefreshError(.noTokens, "the account has no refresh token; connect it again")
        }
        let refreshToken = try self.decrypt(ciphertext, openID: account.openID)
        let grant: TokenGrant
        do {
            grant = try await self.tiktok.refresh(refreshToken: refreshToken)
        } catch where [.invalidGrant, .accessDenied, .invalidRequest, .invalidScope, .accessTokenInvalid].contains(error.code) {
            let reason = "TikTok refused the refresh token (\(error.code)); connect the account again"
            _ = try await self.accounts.setStatus(id: account.id, .needsReauth, reason: reason)
            try? await TokenCache(redis: self.redis, cipher: self.cipher).remove(account: account.id.uuidString.lowercased())
            self.logger.notice(
                "account needs reauthorization", metadata: ["account.id": "\(account.id.uuidString.lowercased())", "tiktok.error": "\(error.code)"])
            throw TokenRefreshError(.needsReauth, reason)
        } catch {
            throw TokenRefreshError(.tiktokUnavailable, "TikTok did not answer usefully (\(error.code)); nothing was changed, try again")
        }
        let tokens = try self.sealed(grant, openID: account.openID, now: try await self.clock.now())
        // PostgreSQL first (the source of truth), then the workers' cache.
        try await self.accounts.storeTokens(id: account.id, tokens)
        try await TokenCache(redis: self.redis, cipher: self.cipher).put(
            account: account.id.uuidString.lowercased(), accessToken: grant.accessToken, openID: account.openID, expiresAt: tokens.accessTokenExpiresAt)
        self.logger.info("account tokens refreshed", metadata: ["account.id": "\(account.id.uuidString.lowercased())"])
        return (try await self.accounts.get(id: account.id), grant.accessToken)
    }

    /// Puts into the workers' token cache the stored access token of every usable account the cache lacks (Redis lost
    /// it: a restart without persistence, an eviction, a failover), so jobs waiting for a token do not wait for its
    /// expiry. Tokens about to expire are left to ``refresh(_:wait:)``.
    /// - Returns: How many tokens were put back.
    @discardableResult
    public func warmCache(now: Date, pageSize: Int = 500) async throws -> Int {
        let cache = TokenCache(redis: self.redis, cipher: self.cipher)
        let repository = SchedulerRepository(client: self.postgres)
        let margin = Double(cache.refreshMargin.components.seconds) + 60
        var after: UUID?
        var warmed = 0
        while true {
            let holders = try await repository.tokenHolders(now: now, validFor: margin, after: after, limit: pageSize)
            guard let last = holders.last else { return warmed }
            after = last.accountID
            let keys = try holders.map { try cache.key(account: $0.accountID.uuidString.lowercased()) }
            let present = try await self.redis.pipeline(keys.map { RedisCommand(["EXISTS", $0]) })
            for (holder, exists) in zip(holders, present) where exists.int != 1 {
                guard let stored = try await self.accounts.tokens(id: holder.accountID) else { continue }
                do {
                    let token = try self.decrypt(stored.accessTokenCiphertext, openID: holder.openID)
                    try await cache.put(account: holder.accountID.uuidString.lowercased(), accessToken: token, openID: holder.openID, expiresAt: holder.expiresAt)
                    warmed += 1
                } catch {
                    self.logger.warning(
                        "could not put a stored token back in the workers' cache",
                        metadata: ["account.id": "\(holder.accountID.uuidString.lowercased())", "error": "\(error)"])
                }
            }
            if holders.count < pageSize { return warmed }
        }
    }

    /// The account's access token, decrypted from PostgreSQL.
    /// - Throws: ``TokenRefreshError`` `noTokens`, `tokenUnreadable`; `DomainError`.
    public func storedAccessToken(of account: Account) async throws -> String {
        guard let stored = try await self.accounts.tokens(id: account.id) else {
            throw TokenRefreshError(.noTokens, "the account has no stored tokens; connect it again")
        }
        return try self.decrypt(stored.accessTokenCiphertext, openID: account.openID)
    }

    private func decrypt(_ ciphertext: Data, openID: String) throws(TokenRefreshError) -> String {
        do {
            return try self.cipher.decrypt(String(decoding: ciphertext, as: UTF8.self), context: Self.tokenContext(openID: openID))
        } catch {
            throw TokenRefreshError(.tokenUnreadable, "the stored token does not decrypt with the configured keys (\(error.code))")
        }
    }

    /// A token grant as stored: both tokens AES-GCM sealed with the account's context, expiries from `now`.
    public func sealed(_ grant: TokenGrant, openID: String, now: Date) throws -> AccountTokens {
        let context = Self.tokenContext(openID: openID)
        return AccountTokens(
            accessTokenCiphertext: Data(try self.cipher.encrypt(grant.accessToken, context: context).utf8),
            accessTokenExpiresAt: now.addingTimeInterval(Double(grant.expiresIn)),
            refreshTokenCiphertext: Data(try self.cipher.encrypt(grant.refreshToken, context: context).utf8),
            refreshTokenExpiresAt: now.addingTimeInterval(Double(grant.refreshExpiresIn)),
            keyID: self.cipher.keyring.currentKeyID)
    }
}
