import Foundation
import Postgres

extension Campaign {
    /// Reads a campaign from a row holding every `campaigns` column and `media_ids` (`text[]`, in position order).
    /// - Throws: ``DomainError`` `database` when a stored value does not decode (a row written by something else).
    init(row: PostgresRow) throws(DomainError) {
        do {
            func enumValue<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
                let text = try row.decode(column, as: String.self)
                guard let value = T(rawValue: text) else { throw DomainError(.database, "a stored campaign holds an unknown \(column)") }
                return value
            }
            let mediaIDs = try row.decode("media_ids", as: [String].self).map { text in
                guard let id = UUID(uuidString: text) else { throw DomainError(.database, "a stored campaign holds a bad media id") }
                return id
            }
            self.init(
                id: try row.decode("id"), name: try row.decode("name"), status: try enumValue("status", as: Status.self),
                mode: try enumValue("mode", as: Mode.self), postSettings: try row.decodeJSON("post_settings"),
                captionTemplate: try row.decode("caption_template"), mediaIDs: mediaIDs,
                accountSelection: try row.decodeJSON("account_selection"), strategy: try enumValue("strategy", as: Strategy.self),
                schedule: try row.decodeJSON("schedule"), overBudget: try enumValue("over_budget", as: OverBudget.self),
                idempotencyKey: try row.decode("idempotency_key"),
                createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
        } catch {
            throw DomainError.wrap(error)
        }
    }
}

extension PostgresConnection {
    /// The campaign `id`, or `nil`; `lock` takes its row lock (`FOR UPDATE`) until the transaction ends.
    func campaign(_ id: UUID, lock: Bool = false) async throws -> Campaign? {
        let rows =
            lock
            ? try await self.query(
                """
                SELECT c.*, coalesce((SELECT array_agg(cm.media_id::text ORDER BY cm.position) FROM campaign_media cm
                                      WHERE cm.campaign_id = c.id), '{}') AS media_ids
                FROM campaigns c WHERE c.id = \(id) FOR UPDATE OF c
                """)
            : try await self.query(
                """
                SELECT c.*, coalesce((SELECT array_agg(cm.media_id::text ORDER BY cm.position) FROM campaign_media cm
                                      WHERE cm.campaign_id = c.id), '{}') AS media_ids
                FROM campaigns c WHERE c.id = \(id)
                """)
        return try rows.first.map { row throws(DomainError) in try Campaign(row: row) }
    }

    /// The campaign `id` locked for this transaction.
    /// - Throws: ``DomainError`` `notFound`.
    func lockedCampaign(_ id: UUID) async throws -> Campaign {
        guard let campaign = try await self.campaign(id, lock: true) else { throw DomainError.notFound("campaign", id: id) }
        return campaign
    }
}

enum CampaignSQL {
    /// The ids as canonical text, for a `text[]` bind cast to `uuid[]` in SQL (`\(CampaignSQL.texts(ids))::uuid[]`).
    static func texts(_ ids: [UUID]) -> [String] { ids.map { $0.uuidString.lowercased() } }
}
