import Domain
import Foundation
import JobQueue
import Logging
import OpenAPIRuntime
import TikTok

/// `POST /accounts/import`: accounts from tokens obtained elsewhere (a migration), as JSON rows or a CSV file. Every
/// row is checked; unless `partial=true`, one bad row means nothing is written and a 422 names every bad row's fields
/// (otherwise every row is reported). Tokens are
/// sealed with AES-GCM exactly as the OAuth callback seals them (context: the account's `open_id`) before Domain
/// stores them, and go to the workers' token cache only after the PostgreSQL commit. No answer or log line carries a
/// token.
extension APIHandlers {
    func importAccounts(_ input: Operations.ImportAccounts.Input) async throws -> Operations.ImportAccounts.Output {
        let incoming: [IncomingAccount]
        switch input.body {
        case .json(let body): incoming = body.rows.enumerated().map { IncomingAccount(number: $0.offset + 1, $0.element) }
        case .csv(let body): incoming = try await CSVRows.read(body, columns: IncomingAccount.columns).rows.map { IncomingAccount($0) }
        }
        guard (1...10_000).contains(incoming.count) else { throw APIError.validation([FieldProblem(field: "rows", problem: "must hold 1 to 10000 rows")]) }
        let partial = input.query.partial ?? false
        let now = try await self.clock.now()
        var rows: [AccountImportRow] = []
        var problems: [[FieldProblem]] = []
        var seen: Set<String> = []
        for account in incoming {
            let row = try self.sealed(account)
            var found = account.problems + row.problems(now: now)
            if let openID = row.openID, !seen.insert(openID).inserted { found.append(FieldProblem(field: "open_id", problem: "appears in an earlier row")) }
            rows.append(row)
            problems.append(found)
        }
        let good = rows.indices.filter { problems[$0].isEmpty }
        if !partial, good.count < rows.count {
            throw Self.rejectedRows(incoming.indices.map { (incoming[$0].number, problems[$0]) }, of: rows.count, what: "accounts")
        }
        var written: [Int: AccountImportResult.Row] = [:]
        if partial || good.count == rows.count, !good.isEmpty {
            let result = try await self.accounts.importRows(good.map { rows[$0] }, partial: false, now: now)
            for (position, row) in result.rows.enumerated() { written[good[position]] = row }
            await self.cacheImportedTokens(incoming, written: written, now: now)
        }
        let results = rows.indices.map { index in
            let row = written[index]
            let status: Components.Schemas.AccountImportRowResult.StatusPayload =
                !problems[index].isEmpty ? .rejected : row?.accountID != nil ? .imported : .skipped
            return Components.Schemas.AccountImportRowResult(
                row: incoming[index].number, status: status, accountId: row?.accountID.map(Self.text),
                errors: problems[index].map { .init(field: $0.field, problem: $0.problem) })
        }
        let imported = results.count { $0.status == .imported }
        self.logger.info("accounts imported", metadata: ["imported": "\(imported)", "rows": "\(rows.count)"])
        return .ok(.init(body: .json(.init(imported: imported, rejected: results.count { $0.status == .rejected }, rows: results))))
    }

    /// The Domain row of `account`, its tokens sealed for its `open_id`.
    func sealed(_ account: IncomingAccount) throws -> AccountImportRow {
        let context = Self.tokenContext(openID: account.openID ?? "")
        let seal = { (token: String?) throws -> Data? in try token.map { Data(try self.cipher.encrypt($0, context: context).utf8) } }
        return AccountImportRow(
            openID: account.openID, nickname: account.nickname, username: account.username, scopes: account.scopes,
            accessTokenCiphertext: try seal(account.accessToken), accessTokenExpiresAt: account.accessTokenExpiresAt,
            refreshTokenCiphertext: try seal(account.refreshToken), refreshTokenExpiresAt: account.refreshTokenExpiresAt,
            keyID: self.cipher.keyring.currentKeyID, timezone: account.timezone, dailyCap: account.dailyCap, labels: account.labels)
    }

    /// After the commit: the imported accounts' live access tokens go to the workers' cache; an expired one is dropped
    /// from it (a worker then asks for a refresh). A cache failure is logged: the cache refills from PostgreSQL.
    func cacheImportedTokens(_ incoming: [IncomingAccount], written: [Int: AccountImportResult.Row], now: Date) async {
        let cache = TokenCache(redis: self.redis, cipher: self.cipher)
        for (index, row) in written {
            guard let id = row.accountID, let openID = incoming[index].openID, let token = incoming[index].accessToken,
                let expiresAt = incoming[index].accessTokenExpiresAt
            else { continue }
            do {
                if expiresAt > now {
                    try await cache.put(account: Self.text(id), accessToken: token, openID: openID, expiresAt: expiresAt)
                } else {
                    try await cache.remove(account: Self.text(id))
                }
            } catch {
                self.logger.warning("imported account's token not cached", metadata: ["account.id": "\(Self.text(id))", "error.code": "\(error.code)"])
            }
            // New tokens are what a `needs_reauth` hold waits for.
            if expiresAt > now {
                do {
                    try await AccountHolds(redis: self.redis).clearNeedsReauth(Self.text(id))
                } catch {
                    self.logger.warning("imported account's reauth hold not lifted", metadata: ["account.id": "\(Self.text(id))"])
                }
            }
        }
    }
}
