import Foundation
import Postgres

/// Decoding of `posts` and `post_events` rows.
enum PostRows {
    /// Decodes a `posts` row (`SELECT *`).
    static func post(_ row: PostgresRow) throws(DomainError) -> Post {
        do {
            guard let status = PostStatus(rawValue: try row.decode("status")), let mode = Post.Mode(rawValue: try row.decode("mode")) else {
                throw DomainError(.database, "a posts row has an unknown status or mode")
            }
            let consent = try row.decode("consent", as: PostgresJSON?.self)
            return Post(
                id: try row.decode("id"), campaignID: try row.decode("campaign_id"), accountID: try row.decode("account_id"),
                mediaID: try row.decode("media_id"), queue: try row.decode("queue"), status: status, mode: mode, runAt: try row.decode("run_at"),
                caption: try row.decode("caption"), postSettings: try row.decodeJSONObject("post_settings"),
                consent: try consent.map { json throws(PostgresError) in try json.decode(as: [String: JSONValue].self) },
                attempts: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"), publishID: try row.decode("publish_id"),
                tiktokPostIDs: try row.decode("tiktok_post_ids"), errorCode: try row.decode("error_code"),
                errorMessage: try row.decode("error_message"), idempotencyKey: try row.decode("idempotency_key"),
                createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"), startedAt: try row.decode("started_at"),
                finishedAt: try row.decode("finished_at"))
        } catch let error as DomainError {
            throw error
        } catch {
            throw DomainError(.database, "a posts row did not decode", underlying: error as? PostgresError)
        }
    }

    /// Decodes a `post_events` row (`SELECT *`).
    static func event(_ row: PostgresRow) throws(DomainError) -> PostEvent {
        do {
            return PostEvent(
                id: try row.decode("id"), postID: try row.decode("post_id"), event: try row.decode("event"),
                fromStatus: try row.decode("from_status", as: String?.self).flatMap(PostStatus.init(rawValue:)),
                toStatus: try row.decode("to_status", as: String?.self).flatMap(PostStatus.init(rawValue:)),
                attempt: try row.decode("attempt"), detail: try row.decodeJSONObject("detail"), actor: try row.decode("actor"),
                streamID: try row.decode("stream_id"), occurredAt: try row.decode("occurred_at"))
        } catch {
            throw DomainError(.database, "a post_events row did not decode", underlying: error)
        }
    }

    /// `ids` as a `uuid[]` parameter's text elements.
    static func uuidTexts(_ ids: [UUID]) -> [String] { ids.map { $0.uuidString.lowercased() } }
}
