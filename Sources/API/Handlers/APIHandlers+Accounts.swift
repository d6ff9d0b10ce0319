import Crypto
import Domain
import Logging
import Postgres
import Redis
import Foundation
import JobQueue
import HTTPTypes
import OpenAPIRuntime
import Publishing
import TikTok

/// The Accounts and OAuth routes.
extension APIHandlers {
    func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
        let status = input.query.status.flatMap { Account.Status(rawValue: $0.rawValue) }
        let page = try await self.accounts.list(status: status, label: input.query.label, page: Self.page(cursor: input.query.cursor, limit: input.query.limit))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.account), nextCursor: page.nextCursor))))
    }

    func connectAccount(_ input: Operations.ConnectAccount.Input) async throws -> Operations.ConnectAccount.Output {
        let caller = try Caller.required()
        var request = Components.Schemas.ConnectAccountRequest()
        if case .json(let body) = input.body { request = body }
        let labels = request.labels ?? []
        guard !self.tiktok.configuration.clientKey.isEmpty else {
            throw APIError(.conflict, code: "tiktok_not_configured", message: "REELAY_TIKTOK_CLIENT_KEY is not set on this server")
        }
        let state = Self.randomState()
        let now = try await self.clock.now()
        let expiresAt = now.addingTimeInterval(Double(self.configuration.oauthStateLifetime.components.seconds))
        try await OAuthStateRepository(client: self.postgres).issue(
            stateHash: Self.stateHash(state), apiKeyID: caller.apiKeyID, labels: labels, expiresAt: expiresAt)
        let url = try self.tiktok.authorizeURL(state: state, scopes: self.configuration.scopes, disableAutoAuth: request.disableAutoAuth ?? false)
        return .created(.init(body: .json(.init(authorizeUrl: url, state: state, expiresAt: expiresAt))))
    }

    func oauthCallback(_ input: Operations.OauthCallback.Input) async throws -> Operations.OauthCallback.Output {
        let query = input.query
        if let error = query.error {
            throw APIError(
                .badRequest, code: "oauth_denied", message: "TikTok did not authorize the app",
                details: [FieldProblem(field: "error", problem: String(error.prefix(100)))])
        }
        guard let state = query.state, !state.isEmpty, state.count <= 512 else {
            throw APIError.validation([FieldProblem(field: "state", problem: "is required")])
        }
        guard let code = query.code, !code.isEmpty, code.count <= 2048 else {
            throw APIError.validation([FieldProblem(field: "code", problem: "is required")])
        }
        guard let issued = try await OAuthStateRepository(client: self.postgres).consume(stateHash: Self.stateHash(state), now: try await self.clock.now()) else {
            throw APIError(.badRequest, code: "invalid_state", message: "the state is unknown, already used or expired; start the connection again")
        }
        let grant: TokenGrant
        do {
            grant = try await self.tiktok.exchangeCode(code)
        } catch {
            throw APIError(.badRequest, code: "oauth_exchange_failed", message: "TikTok refused the authorization code (\(error.code))")
        }
        let info = try? await self.tiktok.creatorInfo(accessToken: grant.accessToken)
        let now = try await self.clock.now()
        let tokens = try self.sealed(grant, openID: grant.openID, now: now)
        let snapshot = info.map { Self.jsonObject(Self.creatorInfo($0)) } ?? [:]
        let connected = ConnectedAccount(
            openID: grant.openID, nickname: info?.nickname ?? "", username: info?.username, scopes: grant.scopes, tokens: tokens,
            creatorInfo: snapshot, labels: issued.labels)
        let account = try await self.accounts.upsertConnected(connected, now: now)
        // PostgreSQL first (the source of truth), then the workers' cache.
        try await TokenCache(redis: self.redis, cipher: self.cipher).put(
            account: Self.text(account.id), accessToken: grant.accessToken, openID: grant.openID, expiresAt: tokens.accessTokenExpiresAt)
        // A reconnect is what a `needs_reauth` hold waits for: the workers may use the account again at once.
        let lifted = try await AccountHolds(redis: self.redis).clearNeedsReauth(Self.text(account.id))
        self.logger.info("account connected", metadata: ["account.id": "\(Self.text(account.id))", "reauth_hold_lifted": "\(lifted)"])
        return .ok(.init(body: .json(Self.account(account))))
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let account = try await self.accounts.get(id: Self.uuid(input.path.id))
        return .ok(.init(body: .json(Self.account(account))))
    }

    func updateAccount(_ input: Operations.UpdateAccount.Input) async throws -> Operations.UpdateAccount.Output {
        let id = try Self.uuid(input.path.id)
        guard case .json(let patch) = input.body else { throw APIError.validation([FieldProblem(field: "body", problem: "is required")]) }
        let changes = AccountRepository.Changes(labels: patch.labels, timezone: patch.timezone, dailyCap: patch.dailyCap, disabled: patch.disabled)
        let account = try await self.accounts.update(id: id, changes)
        if account.status == .disabled { try? await TokenCache(redis: self.redis, cipher: self.cipher).remove(account: Self.text(id)) }
        return .ok(.init(body: .json(Self.account(account))))
    }

    func deleteAccount(_ input: Operations.DeleteAccount.Input) async throws -> Operations.DeleteAccount.Output {
        let id = try Self.uuid(input.path.id)
        _ = try await self.accounts.delete(id: id)
        try? await TokenCache(redis: self.redis, cipher: self.cipher).remove(account: Self.text(id))
        return .noContent(.init())
    }

    var accounts: AccountRepository { AccountRepository(client: self.postgres) }

    /// The authenticated context of an account's stored tokens: its `open_id`, so a ciphertext copied to another
    /// account's row does not decrypt.
    static func tokenContext(openID: String) -> String { TokenRefresher.tokenContext(openID: openID) }

    /// 32 random bytes, base64url.
    static func randomState() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func stateHash(_ state: String) -> Data { Data(SHA256.hash(data: Data(state.utf8))) }

    static func creatorInfo(_ info: CreatorInfo) -> Components.Schemas.CreatorInfo {
        Components.Schemas.CreatorInfo(
            creatorAvatarUrl: info.avatarURL, creatorUsername: info.username, creatorNickname: info.nickname,
            privacyLevelOptions: info.privacyLevelOptions.compactMap { Components.Schemas.PrivacyLevel(rawValue: $0.rawValue) },
            commentDisabled: info.commentDisabled, duetDisabled: info.duetDisabled, stitchDisabled: info.stitchDisabled,
            maxVideoPostDurationSec: info.maxVideoPostDurationSeconds)
    }

    static func account(_ account: Account) -> Components.Schemas.Account {
        Components.Schemas.Account(
            id: Self.text(account.id), openId: account.openID, nickname: account.nickname, username: account.username,
            status: Components.Schemas.AccountStatus(rawValue: account.status.rawValue) ?? .disabled, statusReason: account.statusReason,
            cooldownUntil: account.cooldownUntil, labels: account.labels, timezone: account.timezone, dailyCap: account.dailyCap,
            scopes: account.scopes, accessTokenExpiresAt: account.accessTokenExpiresAt, refreshTokenExpiresAt: account.refreshTokenExpiresAt,
            creatorInfo: Self.convert(account.creatorInfo, to: Components.Schemas.CreatorInfo.self), createdAt: account.createdAt,
            updatedAt: account.updatedAt)
    }
}
