import Foundation
import Postgres

/// The accounts and media a set of new posts refers to, read (and share-locked, so a concurrent delete waits) inside
/// the inserting transaction.
struct PostReferences: Sendable {
    /// Accounts that exist and are not deleted, with their status and time zone.
    var accounts: [UUID: (status: Account.Status, timezone: String)]
    /// Media that exist and are not deleted.
    var media: Set<UUID>

    /// Reads the references of `accountIDs` and `mediaIDs`.
    static func check(_ tx: PostgresConnection, accountIDs: Set<UUID>, mediaIDs: Set<UUID>) async throws -> PostReferences {
        var accounts: [UUID: (status: Account.Status, timezone: String)] = [:]
        if !accountIDs.isEmpty {
            let rows = try await tx.query("""
                SELECT id, status, timezone FROM accounts
                WHERE id = ANY(\(PostRows.uuidTexts(Array(accountIDs)))::uuid[]) AND deleted_at IS NULL FOR SHARE
                """)
            for row in rows {
                let status = Account.Status(rawValue: try row.decode("status")) ?? .disabled
                accounts[try row.decode("id")] = (status, try row.decode("timezone"))
            }
        }
        var media: Set<UUID> = []
        if !mediaIDs.isEmpty {
            let rows = try await tx.query("""
                SELECT id FROM media WHERE id = ANY(\(PostRows.uuidTexts(Array(mediaIDs)))::uuid[]) AND deleted_at IS NULL FOR SHARE
                """)
            for row in rows { media.insert(try row.decode("id")) }
        }
        return PostReferences(accounts: accounts, media: media)
    }

    /// Problems of a post referring to `accountID` and `mediaID` (`nil`: not given or not parsed; nothing reported).
    func problems(accountID: UUID?, mediaID: UUID?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if let accountID {
            switch self.accounts[accountID]?.status {
            case nil: problems.append(FieldProblem(field: "account_id", problem: "no account has this id"))
            case .disabled?: problems.append(FieldProblem(field: "account_id", problem: "the account is disabled"))
            default: break
            }
        }
        if let mediaID, !self.media.contains(mediaID) {
            problems.append(FieldProblem(field: "media_id", problem: "no media has this id"))
        }
        return problems
    }
}
