import Domain
import Foundation
import HTTPTypes

/// Conversions shared by the handlers.
extension APIHandlers {
    /// A path or body id as a UUID; anything else is a 400 naming the field.
    static func uuid(_ text: String, field: String = "id") throws(APIError) -> UUID {
        guard let uuid = UUID(uuidString: text) else {
            throw APIError(.badRequest, code: "invalid_request", message: "\(field) must be a UUID", details: [FieldProblem(field: field, problem: "must be a UUID")])
        }
        return uuid
    }

    /// Lowercase UUID text, as every answer writes ids.
    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// A page request from the `cursor` and `limit` query parameters.
    static func page(cursor: String?, limit: Int?) -> PageRequest {
        PageRequest(cursor: cursor, limit: limit ?? PageRequest.defaultLimit)
    }

    /// Re-decodes a stored JSON object as one of the generated types (nil when it does not fit the schema).
    static func convert<Target: Decodable>(_ object: [String: JSONValue], to type: Target.Type) -> Target? {
        guard !object.isEmpty, let data = try? JSONEncoder().encode(object) else { return nil }
        return try? JSONDecoder().decode(Target.self, from: data)
    }

    /// Any encodable value as a stored JSON object.
    static func jsonObject(_ value: some Encodable) -> [String: JSONValue] {
        guard let data = try? JSONEncoder().encode(value), let decoded = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            return [:]
        }
        return decoded
    }
}
