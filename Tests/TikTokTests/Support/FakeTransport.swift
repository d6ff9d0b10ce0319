import Foundation
import Synchronization
import TikTok

/// A transport that answers from a closure and records every request (file bodies are read back so tests can check
/// exactly which bytes would have gone out).
final class FakeTransport: TikTokTransport {
    struct Sent: Sendable {
        var method: String
        var url: String
        var headers: [String: String]
        var body: [UInt8]
    }

    private let answer: @Sendable (Sent) -> TransportResponse
    private let sent = Mutex<[Sent]>([])

    init(answer: @escaping @Sendable (Sent) -> TransportResponse) { self.answer = answer }

    /// Answers every request with `status`, `body` and a JSON content type.
    convenience init(status: Int = 200, json body: String, headers: [(name: String, value: String)] = [("Content-Type", "application/json")]) {
        self.init { _ in TransportResponse(status: status, headers: headers, body: Array(body.utf8)) }
    }

    var requests: [Sent] { self.sent.withLock { $0 } }

    func send(_ request: TransportRequest, deadline: Duration, maxResponseBytes: Int) async throws(TikTokError) -> TransportResponse {
        var body: [UInt8] = []
        switch request.body {
        case .empty: break
        case .bytes(let bytes): body = bytes
        case .file(let path, let offset, let length, _):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw TikTokError(.fileUnreadable) }
            try? handle.seek(toOffset: UInt64(offset))
            body = Array((try? handle.read(upToCount: Int(length))) ?? Data())
        }
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        let sent = Sent(method: request.method, url: request.url, headers: headers, body: body)
        self.sent.withLock { $0.append(sent) }
        return self.answer(sent)
    }

    func shutdown() async {}
}

extension FakeTransport.Sent {
    /// The body as text.
    var text: String { String(decoding: self.body, as: UTF8.self) }
    /// The body as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:] }
    /// The body as form fields.
    var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in self.text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}

/// A client over `transport` with test credentials.
func makeClient(_ transport: some TikTokTransport, configure: (inout TikTokConfiguration) -> Void = { _ in }) -> TikTokClient {
    var configuration = TikTokConfiguration(clientKey: "test-client-key", clientSecret: "test-client-secret-XYZ", redirectURI: "https://reelay.example/callback")
    configuration.apiBaseURL = "https://api.test"
    configuration.authBaseURL = "https://auth.test"
    configure(&configuration)
    return TikTokClient(configuration: configuration, transport: transport)
}

/// An envelope reply body: `data` (JSON text) plus an error triple.
func envelope(data: String = "{}", code: String = "ok", message: String = "", logID: String = "LOG123") -> String {
    #"{"data":\#(data),"error":{"code":"\#(code)","message":"\#(message)","log_id":"\#(logID)"}}"#
}
