import Foundation

/// The error-bearing part of any TikTok JSON reply, parsed leniently so that every documented shape is understood:
/// the v2 envelope `{"data":…,"error":{"code","message","log_id"}}`, the un-nested `{"code","message","log_id"}`, and
/// the flat OAuth `{"error":"…","error_description":"…","log_id":"…"}`. `logid` is accepted for `log_id`.
struct ReplyHead: Decodable {
    /// The `error` member: an object (v2) or a string (OAuth).
    var error: ErrorMember?
    /// A top-level `code` (un-nested v2 shape).
    var code: String?
    /// A top-level `message`.
    var message: String?
    /// OAuth's `error_description`.
    var errorDescription: String?
    /// `log_id` or `logid` at the top level.
    var logID: String?

    enum ErrorMember: Decodable {
        case text(String)
        case object(code: String?, message: String?, logID: String?)

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self = .text(text)
                return
            }
            let container = try decoder.container(keyedBy: Keys.self)
            self = .object(
                code: try? container.decodeIfPresent(String.self, forKey: .code),
                message: try? container.decodeIfPresent(String.self, forKey: .message),
                logID: (try? container.decodeIfPresent(String.self, forKey: .logID)) ?? (try? container.decodeIfPresent(String.self, forKey: .logid)))
        }
    }

    enum Keys: String, CodingKey {
        case error, code, message, logID = "log_id", logid, errorDescription = "error_description"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.error = try? container.decodeIfPresent(ErrorMember.self, forKey: .error)
        self.code = try? container.decodeIfPresent(String.self, forKey: .code)
        self.message = try? container.decodeIfPresent(String.self, forKey: .message)
        self.errorDescription = try? container.decodeIfPresent(String.self, forKey: .errorDescription)
        self.logID = (try? container.decodeIfPresent(String.self, forKey: .logID)) ?? (try? container.decodeIfPresent(String.self, forKey: .logid))
    }

    /// The log id wherever the reply put it.
    var anyLogID: String? {
        if case .object(_, _, let logID?) = self.error { return logID }
        return self.logID
    }

    /// The v2 outcome: nil for success (`code == "ok"`), else the failure; ``TikTokError/Code/malformedResponse`` when
    /// no code is present at all. A blank code on a 5xx is TikTok's `internal_error`.
    func envelopeFailure(status: Int) -> TikTokError? {
        let (code, message, logID): (String?, String?, String?) =
            switch self.error {
            case .object(let code, let message, let logID): (code, message, logID ?? self.logID)
            case .text(let text): (text, self.errorDescription ?? self.message, self.logID)
            case nil: (self.code, self.message, self.logID)
            }
        guard let code else {
            return TikTokError(.malformedResponse, httpStatus: status, message: "reply carries no error code", logID: logID)
        }
        if code == "ok" {
            guard (200...299).contains(status) else {
                return TikTokError(.malformedResponse, httpStatus: status, message: "code ok with a failure status", logID: logID)
            }
            return nil
        }
        let stable: TikTokError.Code = code.isEmpty ? .internalError : TikTokError.Code(rawValue: code)
        return TikTokError(stable, httpStatus: status, message: message, logID: logID)
    }

    /// The OAuth outcome: a failure when `error` is present (whatever the HTTP status, which TikTok does not document
    /// for OAuth errors), or when the reply is in v2 shape with a code other than `ok`; nil otherwise.
    func oauthFailure(status: Int) -> TikTokError? {
        switch self.error {
        case .text(let text) where !text.isEmpty:
            return TikTokError(TikTokError.Code(rawValue: text), httpStatus: status, message: self.errorDescription, logID: self.logID)
        case .object:
            return self.envelopeFailure(status: status)
        case .text, nil:
            if let code = self.code, code != "ok" { return self.envelopeFailure(status: status) }
            return nil
        }
    }
}

/// JSON decoding that never leaks reply content into errors: a failure names only the coding path.
enum ReplyDecoding {
    static func decode<Value: Decodable>(_ type: Value.Type, from body: [UInt8], status: Int, logID: String?) throws(TikTokError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch let error as DecodingError {
            throw TikTokError(.malformedResponse, httpStatus: status, message: Self.summary(error), logID: logID)
        } catch {
            throw TikTokError(.malformedResponse, httpStatus: status, message: "reply is not valid JSON", logID: logID)
        }
    }

    /// Which field was wrong, by key names only (never values).
    static func summary(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.isEmpty ? "the reply" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context, key))"
        case .valueNotFound(_, let context): return "null field \(path(context))"
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "reply is not valid JSON" : "bad value at \(path(context))"
        @unknown default: return "undecodable reply"
        }
    }
}
