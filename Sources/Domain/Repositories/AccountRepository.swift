public import Foundation
public import Postgres

/// The `accounts` records: lists, reads, user edits, deletion, and (in extensions) connecting, tokens, status and
/// import. Token ciphertexts are only read by ``tokens(id:)``.
///
/// Deleting an account: refused (`inUse`) while a post that is not finished references it. An account without posts
/// is deleted; one whose posts are all finished is kept for their history but hidden (`deleted_at`), set `disabled`
/// and stripped of its tokens. Connecting the same TikTok account again (``upsertConnected(_:)``) brings it back.
public struct AccountRepository: Sendable {
    /// The database.
    public let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// What ``delete(id:)`` did.
    public enum Deletion: String, Sendable, Hashable {
        /// The account had no posts: its row is gone.
        case deleted
        /// Finished posts reference it: hidden, disabled and its tokens cleared.
        case archived
    }

    /// What a user may change (`nil` leaves a field as it is).
    public struct Changes: Sendable, Hashable {
        /// New labels (replacing the old ones).
        public var labels: [String]?
        /// New IANA time zone.
        public var timezone: String?
        /// New daily cap, 0...1000.
        public var dailyCap: Int?
        /// `true` disables the account; `false` enables a disabled one (`active`, or `needs_reauth` without tokens).
        public var disabled: Bool?

        /// Changes to apply.
        public init(labels: [String]? = nil, timezone: String? = nil, dailyCap: Int? = nil, disabled: Bool? = nil) {
            self.labels = labels
            self.timezone = timezone
            self.dailyCap = dailyCap
            self.disabled = disabled
        }

        /// Every bad field.
        public var problems: [FieldProblem] {
            AccountRules.labelProblems(self.labels ?? []) + AccountRules.timezoneProblems(self.timezone)
                + AccountRules.dailyCapProblems(self.dailyCap)
        }
    }

    /// Accounts newest first, optionally only those with `status` and/or carrying `label`.
    /// - Throws: ``DomainError`` `invalidInput` (bad cursor, limit or label), `database`.
    public func list(status: Account.Status? = nil, label: String? = nil, page: PageRequest = PageRequest()) async throws(DomainError) -> Page<Account> {
        var problems = page.problems
        if let label, !AccountRules.isLabel(label) { problems.append(FieldProblem(field: "label", problem: "must be 1 to 64 of a-z 0-9 _ - :")) }
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let cursor = try page.validate()
        let rows = try await self.client.domainQuery("""
            SELECT id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                   refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            FROM accounts
            WHERE deleted_at IS NULL
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)::text)
              AND (\(label)::text IS NULL OR labels @> ARRAY[\(label)::text])
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.createdAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.limit + 1)
            """)
        var accounts: [Account] = []
        for row in rows { accounts.append(try AccountRules.account(row)) }
        return Page(fetched: accounts, request: page) { PageCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// The account with `id`.
    /// - Throws: ``DomainError`` `notFound` (also for a deleted account), `database`.
    public func get(id: UUID) async throws(DomainError) -> Account {
        let rows = try await self.client.domainQuery("""
            SELECT id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                   refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            FROM accounts WHERE id = \(id) AND deleted_at IS NULL
            """)
        guard let row = rows.first else { throw DomainError.notFound("account", id: id) }
        return try AccountRules.account(row)
    }

    /// Applies a user's `changes` and returns the account as it is now.
    /// - Throws: ``DomainError`` `invalidInput` listing every bad field, `notFound`, `database`.
    public func update(id: UUID, _ changes: Changes) async throws(DomainError) -> Account {
        let problems = changes.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let rows = try await self.client.domainQuery("""
            UPDATE accounts SET
                labels = COALESCE(\(changes.labels)::text[], labels),
                timezone = COALESCE(\(changes.timezone)::text, timezone),
                daily_cap = COALESCE(\(changes.dailyCap)::integer, daily_cap),
                status = CASE
                    WHEN \(changes.disabled)::boolean IS TRUE THEN 'disabled'
                    WHEN \(changes.disabled)::boolean IS FALSE AND status = 'disabled'
                        THEN CASE WHEN access_token_ciphertext IS NULL THEN 'needs_reauth' ELSE 'active' END
                    ELSE status END,
                status_reason = CASE
                    WHEN \(changes.disabled)::boolean IS TRUE AND status <> 'disabled' THEN 'disabled by user'
                    WHEN \(changes.disabled)::boolean IS FALSE AND status = 'disabled'
                        THEN CASE WHEN access_token_ciphertext IS NULL THEN 'no token: connect again' ELSE NULL END
                    ELSE status_reason END,
                cooldown_until = CASE WHEN \(changes.disabled)::boolean IS FALSE AND status = 'disabled' THEN NULL ELSE cooldown_until END,
                updated_at = now()
            WHERE id = \(id) AND deleted_at IS NULL
            RETURNING id, open_id, nickname, username, status, status_reason, cooldown_until, access_token_expires_at,
                refresh_token_expires_at, scopes, timezone, daily_cap, labels, creator_info, creator_info_at, created_at, updated_at
            """)
        guard let row = rows.first else { throw DomainError.notFound("account", id: id) }
        return try AccountRules.account(row)
    }

    /// Deletes the account, or archives it when finished posts reference it (see the type's documentation).
    /// - Throws: ``DomainError`` `inUse` while an unfinished post references it, `notFound`, `database`.
    @discardableResult
    public func delete(id: UUID) async throws(DomainError) -> Deletion {
        try await self.client.domainTransaction { tx in
            // Locking the row makes a concurrent post insert (which takes a key-share lock through its foreign key) wait.
            let found = try await tx.query("SELECT 1 FROM accounts WHERE id = \(id) AND deleted_at IS NULL FOR UPDATE")
            guard !found.isEmpty else { throw DomainError.notFound("account", id: id) }
            let counts = try await tx.query("""
                SELECT count(*) FILTER (WHERE status = ANY(\(PostStatus.activeTexts)::text[])) AS active, count(*) AS total
                FROM posts WHERE account_id = \(id)
                """)
            let active = try counts.first?.decode("active", as: Int.self) ?? 0
            let total = try counts.first?.decode("total", as: Int.self) ?? 0
            if active > 0 {
                throw DomainError(.inUse, "the account has \(active) unfinished post(s); cancel them or wait until they finish")
            }
            if total == 0 {
                try await tx.execute("DELETE FROM accounts WHERE id = \(id)")
                return .deleted
            }
            try await tx.execute("""
                UPDATE accounts SET deleted_at = now(), status = 'disabled', status_reason = 'deleted', cooldown_until = NULL,
                    access_token_ciphertext = NULL, access_token_expires_at = NULL, refresh_token_ciphertext = NULL,
                    refresh_token_expires_at = NULL, token_key_id = NULL, updated_at = now()
                WHERE id = \(id)
                """)
            return .archived
        }
    }
}
