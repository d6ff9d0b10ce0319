import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import TikTokSandbox

/// One HTTP client for every test: redirects are never followed, so tests see the sandbox's 302s.
let testClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

/// What one HTTP exchange returned.
struct Reply {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: Wire { Wire.parse(self.body) ?? .null }
    var text: String { String(decoding: self.body, as: UTF8.self) }
    /// `error.code` of a Content Posting envelope.
    var code: String? { self.json["error"]?["code"]?.string }
}

/// A sandbox server running in-process on an ephemeral loopback port for the duration of `body`.
struct TestSandbox {
    let server: SandboxServer
    let base: String
    let configuration: SandboxConfiguration

    /// Short times so the suite stays fast; `configure` changes anything else.
    static func run(_ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (TestSandbox) async throws -> Void) async throws {
        var configuration = SandboxConfiguration()
        configuration.processingTime = .milliseconds(150)
        configuration.moderationTime = .milliseconds(150)
        configuration.seedsDemoCreator = false
        configure(&configuration)
        try await self.run(configuration: configuration, body)
    }

    static func run(configuration: SandboxConfiguration, _ body: (TestSandbox) async throws -> Void) async throws {
        let logger = Logger(label: "sandbox-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = SandboxServer(configuration: configuration, logger: logger)
        try await withRunningServices([server], logger: logger) {
            try await body(TestSandbox(server: server, base: try await server.baseURL(), configuration: configuration))
        }
    }

    // MARK: HTTP

    /// The methods tests use.
    enum Method: String { case GET, POST, PUT, DELETE }

    func send(_ method: Method, _ pathOrURL: String, headers: [(String, String)] = [], body: Data? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: pathOrURL.hasPrefix("http") ? pathOrURL : self.base + pathOrURL)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await testClient.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: fields, body: Data(collected.readableBytesView))
    }

    func getJSON(_ path: String) async throws -> Wire { try await self.send(.GET, path).json }

    func postJSON(_ path: String, _ object: Any, token: String? = nil) async throws -> Reply {
        var headers = [("Content-Type", "application/json; charset=UTF-8")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await self.send(.POST, path, headers: headers, body: try JSONSerialization.data(withJSONObject: object))
    }

    func postForm(_ path: String, _ fields: [String: String]) async throws -> Reply {
        let body = fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined(separator: "&")
        return try await self.send(.POST, path, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Data(body.utf8))
    }

    // MARK: Fixtures

    /// Creates a creator and returns its `open_id`.
    func creator(_ fields: [String: Any] = [:]) async throws -> String {
        let reply = try await self.postJSON("/_sandbox/creators", fields)
        guard reply.status == 201, let openID = reply.json["open_id"]?.string else { throw TestFailure("create creator: \(reply.status) \(reply.text)") }
        return openID
    }

    static let redirect = "https://app.example.com/callback"

    /// Runs the authorize step as `openID` and returns the redirect's query fields.
    func authorize(_ openID: String, scope: String = "user.info.basic,video.publish,video.upload", state: String = "st-1", extra: String = "") async throws -> [String: String] {
        let reply = try await self.send(.GET, self.authorizePath(scope: scope, state: state) + "&sandbox_open_id=\(openID)" + extra)
        guard reply.status == 302, let location = reply.headers["location"], let components = URLComponents(string: location) else {
            throw TestFailure("authorize: \(reply.status) \(reply.text)")
        }
        return Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
    }

    func authorizePath(clientKey: String? = nil, scope: String = "user.info.basic,video.publish,video.upload", redirect: String = Self.redirect, state: String = "st-1", responseType: String = "code") -> String {
        let key = clientKey ?? self.configuration.clientKey
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        return "/v2/auth/authorize/?client_key=\(encode(key))&scope=\(encode(scope))&redirect_uri=\(encode(redirect))&state=\(encode(state))&response_type=\(responseType)"
    }

    /// Exchanges a code for tokens.
    func exchange(_ code: String, redirect: String = Self.redirect) async throws -> Reply {
        try await self.postForm(
            "/v2/oauth/token/",
            ["client_key": self.configuration.clientKey, "client_secret": self.configuration.clientSecret, "code": code,
             "grant_type": "authorization_code", "redirect_uri": redirect])
    }

    /// The full OAuth flow for `openID`; returns the token JSON.
    func login(_ openID: String, scope: String = "user.info.basic,video.publish,video.upload") async throws -> Wire {
        let callback = try await self.authorize(openID, scope: scope)
        let reply = try await self.exchange(callback["code"] ?? "")
        guard reply.status == 200 else { throw TestFailure("token: \(reply.status) \(reply.text)") }
        return reply.json
    }

    /// An access token for a new creator made from `fields`.
    func accessToken(_ fields: [String: Any] = [:], scope: String = "user.info.basic,video.publish,video.upload") async throws -> (openID: String, token: String) {
        let openID = try await self.creator(fields)
        let token = try await self.login(openID, scope: scope)["access_token"]?.string ?? ""
        return (openID, token)
    }

    /// Polls status/fetch until `done` holds for its data or `timeout` passes.
    func waitForStatus(_ publishID: String, token: String, timeout: Duration = .seconds(10), until done: (Wire) -> Bool) async throws -> Wire {
        try await eventuallyValue("the awaited status of \(publishID)", timeout: timeout, poll: .milliseconds(40)) {
            let data = try await self.postJSON("/v2/post/publish/status/fetch/", ["publish_id": publishID], token: token).json["data"] ?? .null
            return done(data) ? data : nil
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
