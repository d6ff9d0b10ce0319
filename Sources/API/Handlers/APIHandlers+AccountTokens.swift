import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import OpenAPIRuntime
import Redis
import TikTok

/// `POST /accounts/{id}/check` and `/refresh`: the stored tokens in use. A refresh is single-flight per account across
/// every API process (a Redis lock on Redis's clock); the new pair is committed to PostgreSQL before the workers'
/// cache is updated, and a refresh TikTok refuses turns the account `needs_reauth` with the reason.
extension APIHandlers {
    func checkAccount(_ input: Operations.CheckAccount.Input) async throws -> Operations.CheckAccount.Output {
        let id = try Self.uuid(input.path.id)
        var account = try await self.accounts.get(id: id)
        guard account.status != .disabled else {
            return .ok(.init(body: .json(.init(tokenValid: false, canPostNow: false, reason: "the account is disabled"))))
        }
        let now = try await self.clock.now()
        var accessToken: String
        do {
            // Refresh first when the access token is gone or due within five minutes.
            if (account.accessTokenExpiresAt ?? .distantPast) <= now.addingTimeInterval(300) {
                (account, accessToken) = try await self.refreshTokens(of: id)
            } else {
                accessToken = try await self.storedAccessToken(of: account)
            }
        } catch let error as APIError where error.status == .conflict {
            return .ok(.init(body: .json(.init(tokenValid: false, canPostNow: false, reason: error.message))))
        }
        let info: CreatorInfo
        do {
            info = try await self.tiktok.creatorInfo(accessToken: accessToken)
        } catch where error.code == .accessTokenInvalid || error.code == .scopeNotAuthorized || error.code == .scopePermissionMissed {
            return .ok(.init(body: .json(.init(tokenValid: false, canPostNow: false, reason: "TikTok refused the token (\(error.code))"))))
        } catch {
            throw Self.tiktokUnavailable(error)
        }
        let snapshot = Self.creatorInfo(info)
        account = try await self.accounts.storeCreatorInfo(id: id, Self.jsonObject(snapshot), nickname: info.nickname)
        let reason: String? =
            switch account.status {
            case .active: nil
            case .cooldown: "the account is cooling down until \(account.cooldownUntil.map { "\($0)" } ?? "later")"
            case .needsReauth: "the account must be connected again"
            case .restricted: account.statusReason ?? "TikTok restricted posting for this account"
            case .disabled: "the account is disabled"
            }
        return .ok(.init(body: .json(.init(tokenValid: true, creatorInfo: snapshot, canPostNow: reason == nil, reason: reason))))
    }

    func refreshAccount(_ input: Operations.RefreshAccount.Input) async throws -> Operations.RefreshAccount.Output {
        let (account, _) = try await self.refreshTokens(of: Self.uuid(input.path.id))
        return .ok(.init(body: .json(Self.account(account))))
    }

    /// The account's access token, decrypted from PostgreSQL (409 when there is none or it does not decrypt).
    func storedAccessToken(of account: Account) async throws -> String {
        guard let stored = try await self.accounts.tokens(id: account.id) else {
            throw APIError(.conflict, code: "no_tokens", message: "the account has no stored tokens; connect it again")
        }
        do {
            return try self.cipher.decrypt(String(decoding: stored.accessTokenCiphertext, as: UTF8.self), context: Self.tokenContext(openID: account.openID))
        } catch {
            throw APIError(.conflict, code: "token_unreadable", message: "the stored token does not decrypt with the configured keys (\(error.code))")
        }
    }

    /// Refreshes the account's tokens once, whoever else asks at the same time: a second caller waits for the first
    /// one's outcome and reads it from PostgreSQL.
    func refreshTokens(of id: UUID) async throws -> (Account, String) {
        let account = try await self.accounts.get(id: id)
        guard account.status != .disabled else {
            throw APIError(.conflict, code: "account_disabled", message: "the account is disabled; enable it first")
        }
        let lockKey = "reelay:lock:refresh:{\(Self.text(id))}"
        let owner = UUID().uuidString
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while try await self.redis.send(["SET", lockKey, owner, "PX", "60000", "NX"]) == .null {
            guard ContinuousClock.now < deadline else {
                throw APIError(.conflict, code: "refresh_in_progress", message: "another refresh of this account is still running; try again shortly")
            }
            try await Task.sleep(for: .milliseconds(100))
            // The other refresh finished: its result is in PostgreSQL.
            if try await self.redis.send(["EXISTS", lockKey]) == .integer(0) {
                let refreshed = try await self.accounts.get(id: id)
                if refreshed.status == .needsReauth {
                    throw APIError(.conflict, code: "needs_reauth", message: refreshed.statusReason ?? "the account must be connected again")
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

    /// KEYS[1] the lock, ARGV[1] its owner; deletes the lock only when this caller still owns it. Reply: 1 or 0.
    static let releaseLockScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

    private func refreshHoldingLock(_ account: Account) async throws -> (Account, String) {
        guard let stored = try await self.accounts.tokens(id: account.id), let ciphertext = stored.refreshTokenCiphertext else {
            throw APIError(.conflict, code: "no_tokens", message: "the account has no refresh token; connect it again")
        }
        let context = Self.tokenContext(openID: account.openID)
        let refreshToken: String
        do {
            refreshToken = try self.cipher.decrypt(String(decoding: ciphertext, as: UTF8.self), context: context)
        } catch {
            throw APIError(.conflict, code: "token_unreadable", message: "the stored token does not decrypt with the configured keys (\(error.code))")
        }
        let grant: TokenGrant
        do {
            grant = try await self.tiktok.refresh(refreshToken: refreshToken)
        } catch where [.invalidGrant, .accessDenied, .invalidRequest, .invalidScope, .accessTokenInvalid].contains(error.code) {
            let reason = "TikTok refused the refresh token (\(error.code)); connect the account again"
            _ = try await self.accounts.setStatus(id: account.id, .needsReauth, reason: reason)
            try? await TokenCache(redis: self.redis, cipher: self.cipher).remove(account: Self.text(account.id))
            self.logger.notice("account needs reauthorization", metadata: ["account.id": "\(Self.text(account.id))", "tiktok.error": "\(error.code)"])
            throw APIError(.conflict, code: "needs_reauth", message: reason)
        } catch {
            throw Self.tiktokUnavailable(error)
        }
        let tokens = try self.sealed(grant, openID: account.openID, now: try await self.clock.now())
        // PostgreSQL first (the source of truth), then the workers' cache.
        try await self.accounts.storeTokens(id: account.id, tokens)
        try await TokenCache(redis: self.redis, cipher: self.cipher).put(
            account: Self.text(account.id), accessToken: grant.accessToken, openID: account.openID, expiresAt: tokens.accessTokenExpiresAt)
        self.logger.info("account tokens refreshed", metadata: ["account.id": "\(Self.text(account.id))"])
        return (try await self.accounts.get(id: account.id), grant.accessToken)
    }

    /// A token grant as stored: both tokens AES-GCM sealed with the account's context, expiries from `now`.
    func sealed(_ grant: TokenGrant, openID: String, now: Date) throws -> AccountTokens {
        let context = Self.tokenContext(openID: openID)
        return AccountTokens(
            accessTokenCiphertext: Data(try self.cipher.encrypt(grant.accessToken, context: context).utf8),
            accessTokenExpiresAt: now.addingTimeInterval(Double(grant.expiresIn)),
            refreshTokenCiphertext: Data(try self.cipher.encrypt(grant.refreshToken, context: context).utf8),
            refreshTokenExpiresAt: now.addingTimeInterval(Double(grant.refreshExpiresIn)),
            keyID: self.cipher.keyring.currentKeyID)
    }

    /// `502 tiktok_unavailable`: TikTok failed or could not be reached; nothing was changed.
    static func tiktokUnavailable(_ error: TikTokError) -> APIError {
        APIError(.badGateway, code: "tiktok_unavailable", message: "TikTok did not answer usefully (\(error.code)); nothing was changed, try again")
    }
}
