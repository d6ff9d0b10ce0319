public import Foundation
import Postgres

/// One account to import (tokens obtained elsewhere, for migration). Tokens arrive already sealed by the API's token
/// cipher; missing values are `nil` so they can be reported.
public struct AccountImportRow: Sendable, Hashable {
    /// TikTok's id of the creator, 1...255 characters (required).
    public var openID: String?
    /// Display name.
    public var nickname: String?
    /// `@handle`.
    public var username: String?
    /// Scopes granted.
    public var scopes: [String]
    /// The sealed access token (required).
    public var accessTokenCiphertext: Data?
    /// When the access token expires (required).
    public var accessTokenExpiresAt: Date?
    /// The sealed refresh token.
    public var refreshTokenCiphertext: Data?
    /// When the refresh token expires (required with a refresh token).
    public var refreshTokenExpiresAt: Date?
    /// The id of the key that sealed the tokens.
    public var keyID: String
    /// IANA time zone (default `UTC` for a new account).
    public var timezone: String?
    /// Posts per day, 0...1000 (default 15 for a new account).
    public var dailyCap: Int?
    /// Labels (added to an existing account's).
    public var labels: [String]

    /// A row to import.
    public init(
        openID: String?, nickname: String? = nil, username: String? = nil, scopes: [String] = [], accessTokenCiphertext: Data?,
        accessTokenExpiresAt: Date?, refreshTokenCiphertext: Data? = nil, refreshTokenExpiresAt: Date? = nil, keyID: String,
        timezone: String? = nil, dailyCap: Int? = nil, labels: [String] = []
    ) {
        self.openID = openID
        self.nickname = nickname
        self.username = username
        self.scopes = scopes
        self.accessTokenCiphertext = accessTokenCiphertext
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshTokenCiphertext = refreshTokenCiphertext
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.keyID = keyID
        self.timezone = timezone
        self.dailyCap = dailyCap
        self.labels = labels
    }

    /// Every bad field of the row (`now` judges expiry): open_id and the access token with its expiry are required;
    /// an expired access token is accepted only with a refresh token that has not expired.
    public func problems(now: Date) -> [FieldProblem] {
        var problems = AccountRules.textProblems(self.openID ?? "", field: "open_id", range: 1...255)
        problems += AccountRules.textProblems(self.nickname, field: "nickname", range: 0...255)
        problems += AccountRules.textProblems(self.username, field: "username", range: 1...255)
        problems += AccountRules.scopeProblems(self.scopes)
        if let tokens = self.tokens {
            problems += tokens.problems(now: now)
        } else {
            if self.accessTokenCiphertext == nil { problems.append(FieldProblem(field: "access_token", problem: "is required")) }
            if self.accessTokenExpiresAt == nil { problems.append(FieldProblem(field: "access_token_expires_at", problem: "is required")) }
        }
        return problems + AccountRules.timezoneProblems(self.timezone) + AccountRules.dailyCapProblems(self.dailyCap)
            + AccountRules.labelProblems(self.labels)
    }

    /// The tokens, when the required ones are present.
    var tokens: AccountTokens? {
        guard let access = self.accessTokenCiphertext, let expiry = self.accessTokenExpiresAt else { return nil }
        return AccountTokens(
            accessTokenCiphertext: access, accessTokenExpiresAt: expiry, refreshTokenCiphertext: self.refreshTokenCiphertext,
            refreshTokenExpiresAt: self.refreshTokenExpiresAt, keyID: self.keyID)
    }
}

/// What an account import did, row by row.
public struct AccountImportResult: Sendable, Hashable {
    /// One row's outcome.
    public enum Outcome: String, Sendable, Hashable {
        /// A new account was created.
        case created
        /// An account with this open_id existed and was updated.
        case updated
        /// The row is invalid (see its problems).
        case rejected
        /// The row is valid but nothing was written, because another row was rejected and the import was not partial.
        case skipped
    }

    /// One row's outcome.
    public struct Row: Sendable, Hashable {
        /// Position in the input, from 0.
        public var index: Int
        /// The row's open_id, as given.
        public var openID: String?
        /// What happened.
        public var outcome: Outcome
        /// The account, for created and updated rows.
        public var accountID: UUID?
        /// Every bad field, for rejected rows.
        public var problems: [FieldProblem]
    }

    /// Every row, in input order.
    public var rows: [Row]
    /// Whether anything was written (false when a row was rejected and the import was not partial).
    public var applied: Bool

    /// Rows with the given outcome.
    public func count(_ outcome: Outcome) -> Int { self.rows.count { $0.outcome == outcome } }

    /// Every problem, with fields named `rows[i].field`, for an error answer.
    public var problems: [FieldProblem] {
        self.rows.flatMap { row in row.problems.map { FieldProblem(field: "rows[\(row.index)].\($0.field)", problem: $0.problem) } }
    }
}

extension AccountRepository {
    /// Imports accounts: every row is validated; when one is bad nothing is written unless `partial` (then the good
    /// rows are). Writing happens in one transaction; a row whose open_id exists updates that account (tokens,
    /// identity, and time zone, daily cap and labels when given). A repeated open_id in the input is rejected.
    /// - Throws: ``DomainError`` `invalidInput` for an empty input or over 10,000 rows, `database`.
    public func importRows(_ rows: [AccountImportRow], partial: Bool, now: Date = Date()) async throws(DomainError) -> AccountImportResult {
        guard (1...10_000).contains(rows.count) else {
            throw DomainError.invalidInput([FieldProblem(field: "rows", problem: "must hold 1 to 10000 rows")])
        }
        var seen: Set<String> = []
        var results = rows.enumerated().map { index, row in
            var problems = row.problems(now: now)
            if let openID = row.openID, !seen.insert(openID).inserted {
                problems.append(FieldProblem(field: "open_id", problem: "appears in an earlier row"))
            }
            return AccountImportResult.Row(
                index: index, openID: row.openID, outcome: problems.isEmpty ? .skipped : .rejected, accountID: nil, problems: problems)
        }
        let anyRejected = results.contains { $0.outcome == .rejected }
        guard partial || !anyRejected else { return AccountImportResult(rows: results, applied: false) }
        let written = try await self.client.domainTransaction { tx in
            var written: [Written] = []
            for (index, row) in rows.enumerated() where results[index].outcome == .skipped {
                guard let tokens = row.tokens, let openID = row.openID else { continue }
                let inserted = try await tx.query("""
                    INSERT INTO accounts (open_id, nickname, username, scopes, access_token_ciphertext, access_token_expires_at,
                        refresh_token_ciphertext, refresh_token_expires_at, token_key_id, timezone, daily_cap, labels)
                    VALUES (\(openID), COALESCE(\(row.nickname)::text, ''), \(row.username)::text, \(row.scopes)::text[],
                        \(tokens.accessTokenCiphertext), \(tokens.accessTokenExpiresAt), \(tokens.refreshTokenCiphertext)::bytea,
                        \(tokens.refreshTokenExpiresAt)::timestamptz, \(tokens.keyID), COALESCE(\(row.timezone)::text, 'UTC'),
                        COALESCE(\(row.dailyCap)::integer, 15), \(row.labels)::text[])
                    ON CONFLICT (open_id) DO UPDATE SET
                        nickname = COALESCE(\(row.nickname)::text, accounts.nickname), username = COALESCE(EXCLUDED.username, accounts.username),
                        scopes = CASE WHEN cardinality(EXCLUDED.scopes) > 0 THEN EXCLUDED.scopes ELSE accounts.scopes END,
                        access_token_ciphertext = EXCLUDED.access_token_ciphertext, access_token_expires_at = EXCLUDED.access_token_expires_at,
                        refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext, refresh_token_expires_at = EXCLUDED.refresh_token_expires_at,
                        token_key_id = EXCLUDED.token_key_id,
                        timezone = COALESCE(\(row.timezone)::text, accounts.timezone), daily_cap = COALESCE(\(row.dailyCap)::integer, accounts.daily_cap),
                        labels = (accounts.labels || ARRAY(SELECT l FROM unnest(EXCLUDED.labels) AS l WHERE NOT l = ANY(accounts.labels)))[1:20],
                        status = 'active', status_reason = NULL, cooldown_until = NULL, deleted_at = NULL, updated_at = now()
                    RETURNING id, (xmax = 0) AS inserted
                    """)
                guard let result = inserted.first else { throw DomainError(.database, "the import upsert returned no row") }
                written.append(Written(index: index, id: try result.decode("id"), inserted: try result.decode("inserted")))
            }
            return written
        }
        for entry in written {
            results[entry.index].accountID = entry.id
            results[entry.index].outcome = entry.inserted ? .created : .updated
        }
        return AccountImportResult(rows: results, applied: true)
    }
}

/// One row written by an import.
private struct Written: Sendable {
    var index: Int
    var id: UUID
    var inserted: Bool
}
