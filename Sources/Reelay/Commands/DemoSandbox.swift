import Crypto
import Foundation
import TikTok

/// The few `/_sandbox` calls `reelay demo` makes to a running sandbox (creator, token, posts).
struct DemoSandbox: Sendable {
    let baseURL: String

    /// A token grant as the sandbox issues it.
    struct Grant {
        var accessToken: String
        var expiresIn: TimeInterval
    }

    func createCreator(nickname: String) async throws -> String {
        let reply = try await self.call("POST", "/_sandbox/creators", json: ["nickname": nickname])
        guard let openID = reply["open_id"] as? String else { throw DemoError("the sandbox returned no open_id") }
        return openID
    }

    func token(openID: String) async throws -> Grant {
        let reply = try await self.call("POST", "/_sandbox/tokens", json: ["open_id": openID, "scope": "user.info.basic,video.publish,video.upload"])
        guard let token = reply["access_token"] as? String else { throw DemoError("the sandbox returned no access_token") }
        return Grant(accessToken: token, expiresIn: TimeInterval(reply["expires_in"] as? Int ?? 3600))
    }

    func posts(openID: String) async throws -> [[String: Any]] {
        (try await self.call("GET", "/_sandbox/posts?open_id=\(openID)", json: nil))["posts"] as? [[String: Any]] ?? []
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    private func call(_ method: String, _ path: String, json: [String: String]?) async throws -> [String: Any] {
        var request = TransportRequest(method: method, url: self.baseURL + path)
        if let json {
            request.headers = [("Content-Type", "application/json")]
            request.body = .bytes(Array(try JSONSerialization.data(withJSONObject: json)))
        }
        let http = HTTPClientTransport()
        let response: TransportResponse
        do {
            response = try await http.send(request, deadline: .seconds(10), maxResponseBytes: 4 << 20)
            await http.shutdown()
        } catch {
            await http.shutdown()
            throw DemoError("cannot reach the sandbox at \(self.baseURL) (is `reelay sandbox` running?): \(error)")
        }
        guard (200...299).contains(response.status) else {
            throw DemoError("\(method) \(path) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

/// A demo step that failed, said plainly.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
