import Foundation
import Logging
import TestSupport
import TikTok
import TikTokSandbox

/// A `reelay sandbox` server on an ephemeral port plus a ``TikTokClient`` pointed at it, for client-vs-sandbox tests
/// over real HTTP. The `/_sandbox` endpoints (creators, faults, posts) and the authorize page are called through a
/// second ``HTTPClientTransport`` (no redirects followed), so the 302 to the callback can be read.
struct SandboxHarness {
    let client: TikTokClient
    let baseURL: String
    let http: HTTPClientTransport
    static let redirectURI = "http://localhost:8080/oauth/callback"

    /// Runs `body` with a fresh sandbox (configured by `configure`) and a client for it; stops both afterwards.
    static func with(configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (SandboxHarness) async throws -> Void) async throws {
        var configuration = SandboxConfiguration()
        configuration.processingTime = .milliseconds(200)
        configuration.moderationTime = .milliseconds(100)
        configuration.seedsDemoCreator = false
        configure(&configuration)
        var logger = Logger(label: "sandbox")
        logger.logLevel = .warning
        let server = SandboxServer(configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let port = try await server.listeningPort()
            let base = "http://127.0.0.1:\(port)"
            var settings = TikTokConfiguration(clientKey: configuration.clientKey, clientSecret: configuration.clientSecret, redirectURI: Self.redirectURI)
            settings.apiBaseURL = base
            settings.authBaseURL = base
            settings.requestDeadline = .seconds(10)
            settings.chunkUploadDeadline = .seconds(30)
            var clientLogger = Logger(label: "tiktok")
            clientLogger.logLevel = .warning
            let client = TikTokClient(configuration: settings, logger: clientLogger)
            let http = HTTPClientTransport()
            let harness = SandboxHarness(client: client, baseURL: base, http: http)
            do {
                try await body(harness)
            } catch {
                await harness.close()
                throw error
            }
            await harness.close()
        }
    }

    private func close() async {
        await self.client.shutdown()
        await self.http.shutdown()
    }

    // MARK: - /_sandbox

    /// Creates a creator (`fields` as `POST /_sandbox/creators` takes them) and returns its `open_id`.
    func createCreator(_ fields: [String: any Sendable] = [:]) async throws -> String {
        let reply = try await self.call("POST", "/_sandbox/creators", json: fields)
        guard let openID = reply["open_id"] as? String else { throw HarnessError("no open_id in \(reply)") }
        return openID
    }

    /// Sets a fault (`POST /_sandbox/faults`).
    func fault(_ fields: [String: any Sendable]) async throws { _ = try await self.call("POST", "/_sandbox/faults", json: fields) }

    /// Every publish of `openID` as the sandbox recorded it.
    func posts(of openID: String) async throws -> [[String: Any]] {
        (try await self.call("GET", "/_sandbox/posts?open_id=\(openID)"))["posts"] as? [[String: Any]] ?? []
    }

    /// Tokens for `openID` through the whole OAuth flow: authorize URL → 302 with a code → exchange.
    func connect(_ openID: String, scopes: [String] = ["user.info.basic", "video.publish", "video.upload"]) async throws -> TokenGrant {
        let state = UUID().uuidString
        let callback = try await self.authorize(openID, state: state, scopes: scopes)
        guard callback["state"] == state, let code = callback["code"] else { throw HarnessError("bad callback \(callback)") }
        return try await self.client.exchangeCode(code)
    }

    /// Follows the authorize URL (with the sandbox's instant-consent parameter) and returns the callback's query.
    func authorize(_ openID: String, state: String, scopes: [String]) async throws -> [String: String] {
        let url = try self.client.authorizeURL(state: state, scopes: scopes, disableAutoAuth: true) + "&sandbox_open_id=\(openID)"
        let response = try await self.http.send(TransportRequest(method: "GET", url: url), deadline: .seconds(10), maxResponseBytes: 1 << 20)
        guard response.status == 302, let location = response.header("location"),
            location.hasPrefix(Self.redirectURI + "?"), let items = URLComponents(string: location)?.queryItems
        else { throw HarnessError("authorize answered \(response.status)") }
        return Dictionary(items.map { ($0.name, $0.value ?? "") }) { $1 }
    }

    private func call(_ method: String, _ path: String, json: [String: any Sendable]? = nil) async throws -> [String: Any] {
        var request = TransportRequest(method: method, url: self.baseURL + path)
        if let json {
            request.headers = [("Content-Type", "application/json")]
            request.body = .bytes(Array(try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await self.http.send(request, deadline: .seconds(10), maxResponseBytes: 1 << 20)
        let text = String(decoding: response.body, as: UTF8.self)
        guard (200...299).contains(response.status) else { throw HarnessError("\(method) \(path): \(response.status) \(text)") }
        return (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

/// A harness failure, with what went wrong.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TikTokClient {
    /// Polls `status/fetch` every 100 ms until a terminal state; throws after `limit`.
    func waitForTerminalStatus(accessToken: String, publishID: String, limit: Duration = .seconds(20)) async throws -> PublishStatus {
        try await eventuallyValue("a terminal status for \(publishID)", timeout: limit, poll: .milliseconds(100)) {
            let status = try await self.fetchStatus(accessToken: accessToken, publishID: publishID)
            return status.isTerminal ? status : nil
        }
    }
}
