public import Foundation

/// A JSON document as UTF-8 bytes, sent as `jsonb` and read from `json` or `jsonb` columns.
public struct PostgresJSON: Sendable, Hashable, PostgresEncodable, PostgresDecodable {
    /// The encoded document.
    public var bytes: [UInt8]

    /// Wraps already-encoded JSON (not validated here; the server rejects invalid JSON).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Encodes `value` with `encoder`.
    /// - Throws: ``PostgresError`` with code `encoding` when the value cannot be encoded.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws(PostgresError) {
        do {
            self.bytes = Array(try encoder.encode(value))
        } catch {
            throw PostgresError(.encoding, message: "could not encode \(type(of: value)) as JSON: \(error)")
        }
    }

    /// Decodes the document as `type`.
    /// - Throws: ``PostgresError`` with code `decoding`.
    public func decode<T: Decodable>(as type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws(PostgresError) -> T {
        do {
            return try decoder.decode(T.self, from: Data(self.bytes))
        } catch {
            throw PostgresError(.decoding, message: "could not decode JSON as \(T.self): \(error)")
        }
    }

    /// `jsonb`
    public var postgresType: PostgresDataType { .jsonb }

    /// The document's text.
    public func postgresText() -> String? { String(decoding: self.bytes, as: UTF8.self) }

    /// Reads a `json` or `jsonb` value.
    public static func decode(_ cell: PostgresCell) throws(PostgresError) -> PostgresJSON {
        PostgresJSON(bytes: Array(try cell.requireValue(of: [.json, .jsonb], as: "PostgresJSON")))
    }
}
