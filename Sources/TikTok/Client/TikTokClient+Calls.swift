import Foundation

/// The plumbing shared by every endpoint: build the request, send it within the deadline, and turn the reply into a
/// value or a ``TikTokError``, treating anything undocumented (redirects, HTML, wrong content type) as malformed.
extension TikTokClient {
    /// A v2 JSON call with a bearer token: returns the decoded `data` member.
    func callJSON<Reply: Decodable>(
        _ endpoint: String, path: String, accessToken: String, body: some Encodable, as: Reply.Type
    ) async throws(TikTokError) -> Reply {
        let (response, logID) = try await self.sendJSON(endpoint, path: path, accessToken: accessToken, body: body)
        do throws(TikTokError) {
            let reply = try ReplyDecoding.decode(DataMember<Reply>.self, from: response.body, status: response.status, logID: logID).data
            self.count(endpoint, outcome: "ok")
            return reply
        } catch {
            throw self.logged(error, endpoint: endpoint)
        }
    }

    /// A v2 JSON call whose success carries no data.
    func callJSONWithoutData(_ endpoint: String, path: String, accessToken: String, body: some Encodable) async throws(TikTokError) {
        _ = try await self.sendJSON(endpoint, path: path, accessToken: accessToken, body: body)
        self.count(endpoint, outcome: "ok")
    }

    /// Sends a v2 call and checks the envelope; returns the reply (and its log id) only when `error.code == "ok"`.
    private func sendJSON(
        _ endpoint: String, path: String, accessToken: String, body: some Encodable
    ) async throws(TikTokError) -> (TransportResponse, logID: String?) {
        do throws(TikTokError) {
            try Self.checkToken(accessToken)
            let encoded: Data
            do { encoded = try JSONEncoder().encode(body) } catch { throw TikTokError(.invalidArgument, message: "request body not encodable") }
            let request = TransportRequest(
                method: "POST", url: self.url(self.configuration.apiBaseURL, path),
                headers: [("Authorization", "Bearer \(accessToken)"), ("Content-Type", "application/json; charset=UTF-8")],
                body: .bytes(Array(encoded)))
            let response = try await self.timed(endpoint) { () async throws(TikTokError) in
                try await self.transport.send(
                    request, deadline: self.configuration.requestDeadline, maxResponseBytes: self.configuration.maxResponseBytes)
            }
            let head = try Self.replyHead(response, emptyMeansSuccess: false)
            if let failure = head?.envelopeFailure(status: response.status) {
                throw Self.withHeaderLogID(failure, response)
            }
            return (response, head?.anyLogID ?? Self.headerLogID(response))
        } catch {
            throw self.logged(error, endpoint: endpoint)
        }
    }

    /// An OAuth form call (client credentials added here): returns the reply when it carries no `error`.
    func callOAuth(_ endpoint: String, path: String, fields: [(String, String)], emptyMeansSuccess: Bool) async throws(TikTokError) -> TransportResponse {
        do throws(TikTokError) {
            guard !self.configuration.clientKey.isEmpty, !self.configuration.clientSecret.isEmpty else {
                throw TikTokError(.invalidArgument, message: "client key or secret not configured")
            }
            let form = [("client_key", self.configuration.clientKey), ("client_secret", self.configuration.clientSecret)] + fields
            let request = TransportRequest(
                method: "POST", url: self.url(self.configuration.apiBaseURL, path),
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cache-Control", "no-cache")],
                body: .bytes(Array(FormEncoding.encode(form).utf8)))
            let response = try await self.timed(endpoint) { () async throws(TikTokError) in
                try await self.transport.send(
                    request, deadline: self.configuration.requestDeadline, maxResponseBytes: self.configuration.maxResponseBytes)
            }
            if let failure = try Self.replyHead(response, emptyMeansSuccess: emptyMeansSuccess)?.oauthFailure(status: response.status) {
                throw Self.withHeaderLogID(failure, response)
            }
            if !(200...299).contains(response.status) {
                throw TikTokError(Self.fallbackCode(response.status), httpStatus: response.status, message: "failure status without an error field")
            }
            return response
        } catch {
            throw self.logged(error, endpoint: endpoint)
        }
    }

    /// Parses the error-bearing head of a JSON reply; nil for an empty 2xx body when that means success.
    static func replyHead(_ response: TransportResponse, emptyMeansSuccess: Bool) throws(TikTokError) -> ReplyHead? {
        let status = response.status
        let logID = Self.headerLogID(response)
        if (300...399).contains(status) {
            throw TikTokError(.unexpectedRedirect, httpStatus: status, message: "redirects are not followed", logID: logID)
        }
        let body = response.body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if body.isEmpty, emptyMeansSuccess, (200...299).contains(status) { return nil }
        if let type = response.header("content-type"), !Self.isJSON(type) {
            throw TikTokError(Self.fallbackCode(status), httpStatus: status, message: "reply is not JSON (content type)", logID: logID)
        }
        guard body.first == UInt8(ascii: "{"), let head = try? JSONDecoder().decode(ReplyHead.self, from: Data(body)) else {
            throw TikTokError(Self.fallbackCode(status), httpStatus: status, message: "reply is not a JSON object", logID: logID)
        }
        return head
    }

    /// The code for a reply we cannot read: what its status implies, else malformed.
    static func fallbackCode(_ status: Int) -> TikTokError.Code {
        switch status {
        case 429: .rateLimitExceeded
        case 500...599: .internalError
        default: .malformedResponse
        }
    }

    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || media.hasSuffix("+json") || media == "text/json"
    }

    /// TikTok's log id from the `x-tt-logid` header, when the body had none.
    static func headerLogID(_ response: TransportResponse) -> String? { response.header("x-tt-logid") }

    static func withHeaderLogID(_ error: TikTokError, _ response: TransportResponse) -> TikTokError {
        var error = error
        if error.logID == nil { error.logID = Self.headerLogID(response) }
        return error
    }

    /// Rejects tokens that are empty or could break the header (control characters, spaces); never echoes them.
    static func checkToken(_ token: String) throws(TikTokError) {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TikTokError(.invalidArgument, message: "access token empty or not printable ASCII")
        }
    }
}

/// The `data` member of a v2 envelope.
struct DataMember<Value: Decodable>: Decodable {
    var data: Value
}

/// An empty JSON object, for calls that take no body.
struct EmptyBody: Encodable {}
