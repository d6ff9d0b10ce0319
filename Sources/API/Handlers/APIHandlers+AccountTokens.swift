import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import OpenAPIRuntime
import Publishing
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

    var tokenRefresher: TokenRefresher {
        TokenRefresher(postgres: self.postgres, redis: self.redis, tiktok: self.tiktok, cipher: self.cipher, clock: self.clock, logger: self.logger)
    }

    /// The account's access token, decrypted from PostgreSQL (409 when there is none or it does not decrypt).
    func storedAccessToken(of account: Account) async throws -> String {
        do {
            return try await self.tokenRefresher.storedAccessToken(of: account)
        } catch let error as TokenRefreshError {
            throw Self.apiError(error)
        }
    }

    /// Refreshes the account's tokens once, whoever else asks at the same time (``TokenRefresher``): a second caller
    /// waits for the first one's outcome and reads it from PostgreSQL.
    func refreshTokens(of id: UUID) async throws -> (Account, String) {
        do {
            return try await self.tokenRefresher.refresh(id)
        } catch let error as TokenRefreshError {
            throw Self.apiError(error)
        }
    }

    /// A token grant as stored: both tokens AES-GCM sealed with the account's context, expiries from `now`.
    func sealed(_ grant: TokenGrant, openID: String, now: Date) throws -> AccountTokens {
        try self.tokenRefresher.sealed(grant, openID: openID, now: now)
    }

    /// A refresh refusal as the API's answer: 502 when TikTok failed, 409 otherwise, with the refresher's code.
    static func apiError(_ error: TokenRefreshError) -> APIError {
        APIError(error.code == .tiktokUnavailable ? .badGateway : .conflict, code: error.code.rawValue, message: error.message)
    }

    /// `502 tiktok_unavailable`: TikTok failed or could not be reached; nothing was changed.
    static func tiktokUnavailable(_ error: TikTokError) -> APIError {
        APIError(.badGateway, code: "tiktok_unavailable", message: "TikTok did not answer usefully (\(error.code)); nothing was changed, try again")
    }
}
