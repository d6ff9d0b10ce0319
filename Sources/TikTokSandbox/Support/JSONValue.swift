import Foundation

/// Any JSON value, decoded without loss, so request bodies can be checked field by field with TikTok's errors
/// instead of a decoder's.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `data`; `nil` when it is not JSON.
    static func parse(_ data: Data) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: data) }

    /// The members when this is an object.
    var object: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
}

/// Reads typed fields out of a JSON object; a present field of the wrong type throws `invalid_param`.
struct JSONFields {
    let members: [String: JSONValue]
    /// Where these fields sit, for messages (`post_info`).
    let path: String

    func string(_ key: String) throws(PostingError) -> String? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .invalidParam("\(self.path).\(key) must be a string")
        }
    }

    func bool(_ key: String) throws(PostingError) -> Bool? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw .invalidParam("\(self.path).\(key) must be a boolean")
        }
    }

    func integer(_ key: String) throws(PostingError) -> Int64? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw .invalidParam("\(self.path).\(key) must be an integer")
        }
    }

    func object(_ key: String) throws(PostingError) -> JSONFields? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .object(let value)?: return JSONFields(members: value, path: key)
        default: throw .invalidParam("\(key) must be an object")
        }
    }
}
