import Foundation
import HTTPTypes
import Hummingbird

/// Builds the sandbox's responses in each API's own shape.
enum Reply {
    static let logIDHeader = HTTPField.Name("X-Tt-Logid")!
    static let contentRangeHeader = HTTPField.Name("Content-Range")!

    /// Any encodable value as JSON (keys sorted, slashes unescaped).
    static func json(_ value: some Encodable, status: Int = 200, logID: String? = nil) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json; charset=UTF-8"]
        if let logID { headers[Self.logIDHeader] = logID }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The Content Posting envelope with `error.code == "ok"`; `data` is left out when `nil` (cancel).
    static func ok(_ data: (some Encodable)?, logID: String) -> Response {
        self.json(Envelope(data: data, error: .init(code: "ok", message: "", logID: logID)), logID: logID)
    }

    /// The Content Posting envelope for a failure, with an empty `data` object.
    static func failure(_ error: PostingError, logID: String) -> Response {
        self.json(
            Envelope(data: EmptyObject(), error: .init(code: error.code, message: error.message, logID: logID)), status: error.status,
            logID: logID)
    }

    /// A failure that still carries `data` (creator_info's HTTP 200 "do not post now" answers).
    static func failure(_ error: PostingError, data: some Encodable, logID: String) -> Response {
        self.json(Envelope(data: data, error: .init(code: error.code, message: error.message, logID: logID)), status: error.status, logID: logID)
    }

    /// The flat OAuth error of reference §1.8.
    static func oauth(_ error: OAuthError, logID: String) -> Response {
        self.json(["error": error.error, "error_description": error.description, "log_id": logID], status: error.status, logID: logID)
    }

    /// Reelay's own error shape, for `/_sandbox` endpoints.
    static func inspection(_ error: InspectionError) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable { var code: String; var message: String; var details: [String: String] }
            var error: Detail
        }
        return self.json(Body(error: .init(code: error.code, message: error.message, details: error.details)), status: error.status)
    }

    /// An HTML page.
    static func html(_ text: String, status: Int = 200) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A `302 Found` to `location`.
    static func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .contentLength: "0"])
    }

    /// A bare status with a short text body (upload PUTs and fault-injected upload errors).
    static func plain(_ status: Int, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// `{"data": …, "error": {"code", "message", "log_id"}}` (reference §2.2).
struct Envelope<Payload: Encodable>: Encodable {
    struct ErrorPart: Encodable {
        var code: String
        var message: String
        var logID: String
        enum CodingKeys: String, CodingKey { case code, message, logID = "log_id" }
    }
    var data: Payload?
    var error: ErrorPart

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(self.data, forKey: .data)
        try container.encode(self.error, forKey: .error)
    }
    enum CodingKeys: String, CodingKey { case data, error }
}

/// `{}`.
struct EmptyObject: Encodable {}
