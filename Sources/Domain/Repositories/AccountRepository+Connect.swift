public import Foundation
import Postgres

/// What the OAuth callback learned about a creator: who they are, the tokens (already sealed) and a creator-info
/// snapshot.
public struct ConnectedAccount: Sendable, Hashable {
    /// TikTok's id of the creator for our app.
    public var openID: String
    /// Display name.
    public var nickname: String
    /// `@handle`, if known.
    public var username: String?
    /// Scopes granted.
    public var scopes: [String]
    /// The sealed tokens.
    public var tokens: AccountTokens
    /// The creator-info answer.
    public var creatorInfo: [String: JSONValue]
    /// Labels to add (bound to the connect flow that started it).
    public var labels: [String]

    /// A connected creator.
    public init(
        openID: String, nickname: String, username: String?, scopes: [String], tokens: AccountTokens, creatorInfo: [String: JSONValue] = [:],
        labels: [String] = []
    ) {
        self.openID = openID
        self.nickname = nickname
        self.username = username
        self.scopes = scopes
        self.tokens = tokens
        self.creatorInfo = creatorInfo
        self.labels = labels
    }

    /// Every bad field (`now` judges token expiry).
    public func problems(now: Date) -> [FieldProblem] {
        AccountRules.textProblems(self.openID, field: "open_id", range: 1...255)
            + AccountRules.textProblems(self.nickname, field: "nickname", range: 0...255)
            + AccountRules.textProblems(self.username, field: "username", range: 1...255)
            + AccountRules.scopeProblems(self.scopes)
            + self.tokens.problems(now: now)
            + AccountRules.labelProblems(self.labels)
    }
}

extension AccountRepository {
    /// Creates the account for `connected.openID`, or updates it if it exists (also an archived one): identity,
    /// scopes, tokens and creator info are replaced, `labels` are added to the existing ones (at most 20 kept), and the
    /// status goes back to `active`.
    /// - Throws: ``DomainError`` `invalidInput` listing every bad field, `database`.
    public func upsertConnected(_ connected: ConnectedAccount, now: Date = Date()) async throws(DomainError) -> Account {
        let problems = connected.problems(now: now)
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let tokens = connected.tokens
        let rows = try await self.client.domainQuery("""
            INSERT INTO accounts (open_id, nickname, username, scopes, access_token_ciphertext, access_token_expires_at,
                refresh_token_ciphertext, refresh_token_expires_at, token_key_id, creator_info, creator_info_at, labels)
            VALUES (\(connected.openID), \(connected.nickname), \(connected.username), \(connected.scopes)::text[],
                \(tokens.accessTokenCiphertext), \(tokens.accessTokenExpiresAt), \(tokens.refreshTokenCiphertext)::bytea,
                \(tokens.refreshTokenExpiresAt)::timestamptz, \(tokens.keyID), \(json: connected.creatorInfo), now(), \(connected.labels)::text[])
            ON CONFLICT (open_id) DO UPDATE SET
                nickname = EXCLUDED.nickname, username = EXCLUDED.username, scopes = EXCLUDED.scopes,
                access_token_ciphertext = EXCLUDED.access_token_ciphertext, access_token_expires_at = EXCLUDED.access_token_expires_at,
                refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext, refresh_token_expires_at = EXCLUDED.refresh_token_expires_at,
                token_key_id = EXCLUDED.token_key_id, creator_info = EXCLUDED.creator_info, creator_info_at = EXCLUDED.creator_info_at,
                labels = (accounts.labels || ARRAY(SELECT l FROM unnest(EXCLUDED.labels) AS l WHERE NOT l = ANY(accounts.labels)))[1:20],
                status = 'active', status_reason = NULL, cooldown_until = NULL, deleted_at = NULL, updated_at = now()
            RETURNING id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            """)
        guard let row = rows.first else { throw DomainError(.database, "the upsert returned no row") }
        return try AccountRules.account(row)
    }

    /// The account's stored tokens, or `nil` when it has none (never connected, archived, or cleared).
    /// - Throws: ``DomainError`` `notFound`, `database`.
    public func tokens(id: UUID) async throws(DomainError) -> AccountTokens? {
        let rows = try await self.client.domainQuery("""
            SELECT access_token_ciphertext, access_token_expires_at, refresh_token_ciphertext, refresh_token_expires_at, token_key_id
            FROM accounts WHERE id = \(id) AND deleted_at IS NULL
            """)
        guard let row = rows.first else { throw DomainError.notFound("account", id: id) }
        do {
            guard let access = try row.decode("access_token_ciphertext", as: Data?.self),
                let expiry = try row.decode("access_token_expires_at", as: Date?.self),
                let keyID = try row.decode("token_key_id", as: String?.self)
            else { return nil }
            return AccountTokens(
                accessTokenCiphertext: access, accessTokenExpiresAt: expiry, refreshTokenCiphertext: try row.decode("refresh_token_ciphertext"),
                refreshTokenExpiresAt: try row.decode("refresh_token_expires_at"), keyID: keyID)
        } catch {
            throw DomainError(.database, "an accounts row did not decode", underlying: error)
        }
    }

    /// Replaces the account's tokens (after a refresh); an account that `needs_reauth` becomes `active` again.
    /// - Throws: ``DomainError`` `invalidInput` (empty ciphertext, bad key id, refresh token without expiry or the
    ///   reverse), `notFound`, `database`.
    public func storeTokens(id: UUID, _ tokens: AccountTokens) async throws(DomainError) {
        let problems = tokens.problems(now: .distantPast)
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let changed = try await self.client.domainQuery("""
            UPDATE accounts SET access_token_ciphertext = \(tokens.accessTokenCiphertext), access_token_expires_at = \(tokens.accessTokenExpiresAt),
                refresh_token_ciphertext = \(tokens.refreshTokenCiphertext)::bytea, refresh_token_expires_at = \(tokens.refreshTokenExpiresAt)::timestamptz,
                token_key_id = \(tokens.keyID),
                status = CASE WHEN status = 'needs_reauth' THEN 'active' ELSE status END,
                status_reason = CASE WHEN status = 'needs_reauth' THEN NULL ELSE status_reason END,
                updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL RETURNING id
            """)
        guard !changed.isEmpty else { throw DomainError.notFound("account", id: id) }
    }

    /// Sets the account's status; `cooldownUntil` is required for `cooldown` and cleared for any other status.
    /// - Throws: ``DomainError`` `invalidInput`, `notFound`, `database`.
    public func setStatus(id: UUID, _ status: Account.Status, reason: String?, cooldownUntil: Date? = nil) async throws(DomainError) -> Account {
        var problems = AccountRules.textProblems(reason, field: "status_reason", range: 0...500)
        if status == .cooldown, cooldownUntil == nil {
            problems.append(FieldProblem(field: "cooldown_until", problem: "is required for status cooldown"))
        }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let until = status == .cooldown ? cooldownUntil : nil
        let rows = try await self.client.domainQuery("""
            UPDATE accounts SET status = \(status.rawValue), status_reason = \(reason), cooldown_until = \(until)::timestamptz, updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            """)
        guard let row = rows.first else { throw DomainError.notFound("account", id: id) }
        return try AccountRules.account(row)
    }

    /// Stores a fresh creator-info snapshot (from `POST /accounts/{id}/check`), and the nickname/username in it if
    /// given.
    /// - Throws: ``DomainError`` `notFound`, `database`.
    public func storeCreatorInfo(id: UUID, _ info: [String: JSONValue], nickname: String? = nil) async throws(DomainError) -> Account {
        let problems = AccountRules.textProblems(nickname, field: "nickname", range: 0...255)
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let rows = try await self.client.domainQuery("""
            UPDATE accounts SET creator_info = \(json: info), creator_info_at = now(), nickname = COALESCE(\(nickname)::text, nickname),
                updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            """)
        guard let row = rows.first else { throw DomainError.notFound("account", id: id) }
        return try AccountRules.account(row)
    }
}
