import AsyncHTTPClient
import Domain
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Redis
import TestSupport
import TikTok

@testable import API

/// A running `reelay api` for tests: a fresh migrated PostgreSQL schema, the shared real Redis, a real HTTP client.
struct APIHarness {
    let baseURL: String
    let postgres: PostgresClient
    let redis: RedisClient
    let http: HTTPClient
    let configuration: APIConfiguration

    /// A new key of `role`, made the way `reelay apikey create` makes one.
    func key(_ role: APIKey.Role) async throws -> String {
        let minted = APIKeyMinter.mint()
        _ = try await APIKeyRepository(client: self.postgres).create(name: "test \(role.rawValue)", prefix: minted.prefix, hash: minted.hash, role: role)
        return minted.key
    }

    /// Sends `json` (when given) and answers the status, headers and the body decoded as a JSON object.
    func send(_ method: HTTPMethod, _ path: String, key: String? = nil, json: String? = nil, headers: [(String, String)] = [])
        async throws -> (status: Int, headers: HTTPHeaders, body: [String: Any])
    {
        let reply = try await self.sendRaw(
            method, path, key: key, body: json.map { Data($0.utf8) }, contentType: json == nil ? nil : "application/json", headers: headers)
        let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
        return (reply.status, reply.headers, object)
    }

    /// Sends raw bytes with a content type and answers the raw reply.
    func sendRaw(_ method: HTTPMethod, _ path: String, key: String? = nil, body: Data? = nil, contentType: String? = nil, headers: [(String, String)] = [])
        async throws -> (status: Int, headers: HTTPHeaders, body: Data)
    {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : self.baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await self.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, Data(bytes.readableBytesView))
    }

    /// A multipart/form-data body with one file field.
    static func multipart(field: String = "file", filename: String, contentType: String = "video/mp4", data: Data, boundary: String = "reelay-test-boundary")
        -> (body: Data, contentType: String)
    {
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

/// Runs `body` against a fresh `reelay api`; `configure` adjusts its configuration (port 0 and a temporary media root
/// are set already).
func withAPI(
    tiktok tiktokConfiguration: TikTokConfiguration = TikTokConfiguration(),
    configure: (inout APIConfiguration) -> Void = { _ in },
    _ body: (APIHarness) async throws -> Void
) async throws {
    try await withMigratedAPISchema { postgres in
        var redisConfiguration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        redisConfiguration.poolSize = 2
        let redis = RedisClient(configuration: redisConfiguration, logger: Logger(label: "test"))
        let tiktok = TikTokClient(configuration: tiktokConfiguration, logger: Logger(label: "test"))
        let mediaRoot = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("api-media")).path
        try FileManager.default.createDirectory(atPath: mediaRoot, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mediaRoot) }
        var configuration = APIConfiguration()
        configuration.port = 0
        configuration.mediaRoot = mediaRoot
        configuration.queue = TestEnvironment.uniqueName("publish")
        configure(&configuration)
        let server = APIServer(
            configuration: configuration, postgres: postgres, redis: redis, tiktok: tiktok,
            cipher: try TokenCipher(keySetting: "k1:" + Data(repeating: 0x44, count: 32).base64EncodedString()), logger: Logger(label: "test"))
        try await withRunningServices([redis, tiktok, server]) {
            let port = try await server.listeningPort()
            // Redirects are answers to check (the OAuth consent step), never followed.
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            do {
                try await body(APIHarness(baseURL: "http://127.0.0.1:\(port)", postgres: postgres, redis: redis, http: http, configuration: configuration))
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }
}


/// A PostgreSQL client in a fresh schema holding every migration, dropped afterwards.
func withMigratedAPISchema(_ body: (PostgresClient) async throws -> Void) async throws {
    let url = try await TestEnvironment.postgresURL()
    let schema = TestEnvironment.uniqueName("api")
    var admin = try PostgresConfiguration(url: url)
    admin.poolSize = 1
    let adminClient = PostgresClient(configuration: admin, logger: Logger(label: "test"))
    _ = try await adminClient.execute("CREATE SCHEMA \(identifier: schema)")
    var configuration = try PostgresConfiguration(url: url)
    configuration.poolSize = 4
    configuration.runtimeParameters["search_path"] = schema
    let client = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
    do {
        _ = try await MigrationRunner(client: client, migrations: try SchemaMigrations.all(), logger: Logger(label: "test")).run()
        try await body(client)
    } catch {
        await client.shutdown()
        _ = try? await adminClient.execute("DROP SCHEMA \(identifier: schema) CASCADE")
        await adminClient.shutdown()
        throw error
    }
    await client.shutdown()
    _ = try await adminClient.execute("DROP SCHEMA \(identifier: schema) CASCADE")
    await adminClient.shutdown()
}
