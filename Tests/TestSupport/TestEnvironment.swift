import Foundation

/// Where the integration tests find their servers.
///
/// `make test` starts a private Redis and PostgreSQL and passes their URLs in `REELAY_TEST_REDIS_URL` and
/// `REELAY_TEST_DATABASE_URL`; a bare `swift test` gets servers started here, once per test process, that stop with it.
/// Tests that restart a server start a private one (``RedisServer``, ``PostgresServer``) so they disturb no other test.
public enum TestEnvironment {
    /// True when running under CI (`CI` set): there, a server that cannot be started fails the run instead of skipping.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false }

    /// The Redis every ordinary test may use (each test picks its own key prefix).
    public static func redisURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["REELAY_TEST_REDIS_URL"], !url.isEmpty { return url }
        return try await SharedServers.instance.redis().url
    }

    /// The PostgreSQL every ordinary test may use (each test picks its own schema or database).
    public static func postgresURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["REELAY_TEST_DATABASE_URL"], !url.isEmpty { return url }
        return try await SharedServers.instance.postgres().url
    }

    /// A name no other test in any process uses: for key prefixes, queue names, schemas and databases.
    public static func uniqueName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
    }
}

/// Servers started on demand by this test process, shared by its tests.
actor SharedServers {
    static let instance = SharedServers()
    private var redisServer: RedisServer?
    private var postgresServer: PostgresServer?

    func redis() async throws -> RedisServer {
        if let server = self.redisServer { return server }
        let server = try await RedisServer.start()
        self.redisServer = server
        return server
    }

    func postgres() async throws -> PostgresServer {
        if let server = self.postgresServer { return server }
        let server = try await PostgresServer.start()
        self.postgresServer = server
        return server
    }
}
