import Foundation

/// A JSON value as it travelled, kept exact: integers stay integers, so a test can tell `1` from `1.0` and a 19-digit
/// id from a double.
enum Wire: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([Wire]), object([String: Wire])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([Wire].self) { self = .array(value) }
        else { self = .object(try container.decode([String: Wire].self)) }
    }

    static func parse(_ data: Data) -> Wire? { try? JSONDecoder().decode(Wire.self, from: data) }

    subscript(key: String) -> Wire? { if case .object(let members) = self { members[key] } else { nil } }
    var keys: Set<String> { if case .object(let members) = self { Set(members.keys) } else { [] } }
    var string: String? { if case .string(let value) = self { value } else { nil } }
    var int: Int64? { if case .int(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var array: [Wire]? { if case .array(let value) = self { value } else { nil } }

    /// The JSON type name, for shape comparisons.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[\(values.map(\.description).joined(separator: ","))]"
        case .object(let members): "{\(members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ","))}"
        }
    }
}
