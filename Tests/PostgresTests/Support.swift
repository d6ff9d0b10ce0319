import Foundation
import Logging
import Postgres
import TestSupport

/// Runs `body` with a client for `url`, then shuts the client down whatever happens.
func withClient<T: Sendable>(url: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
    try await withClient(url: url, configure: { _ in }, body)
}

/// Runs `body` with a client for `url` configured by `configure`, then shuts the client down whatever happens.
func withClient<T: Sendable>(
    url: String, configure: (inout PostgresConfiguration) -> Void, _ body: (PostgresClient) async throws -> T
) async throws -> T {
    var configuration = try PostgresConfiguration(url: url)
    configuration.poolSize = 4
    configure(&configuration)
    let client = PostgresClient(configuration: configuration, logger: Logger(label: "test.postgres"))
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// A client on the shared server whose connections use a fresh schema of their own (`search_path`), dropped afterwards.
func withSchemaClient<T: Sendable>(
    configure: (inout PostgresConfiguration) -> Void = { _ in }, _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let url = try await TestEnvironment.postgresURL()
    let schema = TestEnvironment.uniqueName("s")
    try await withClient(url: url) { admin in _ = try await admin.execute("CREATE SCHEMA \(identifier: schema)") }
    do {
        let result = try await withClient(url: url, configure: {
            $0.runtimeParameters["search_path"] = schema
            configure(&$0)
        }, body)
        try await withClient(url: url) { admin in _ = try await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE") }
        return result
    } catch {
        _ = try? await withClient(url: url) { admin in try await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE") }
        throw error
    }
}

/// A fresh database on the shared server; returns its URL. Drop it with ``dropDatabase(_:)``.
func createDatabase() async throws -> (name: String, url: String) {
    let url = try await TestEnvironment.postgresURL()
    let name = TestEnvironment.uniqueName("db")
    try await withClient(url: url) { admin in _ = try await admin.execute("CREATE DATABASE \(identifier: name)") }
    var configuration = try PostgresConfiguration(url: url)
    configuration.parameters["dbname"] = name
    return (name, configuration.keywordString)
}

/// Drops a database made by ``createDatabase()``.
func dropDatabase(_ name: String) async throws {
    let url = try await TestEnvironment.postgresURL()
    try await withClient(url: url) { admin in _ = try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)") }
}

extension PostgresConfiguration {
    /// The parameters as a libpq keyword string, password included (tests only).
    var keywordString: String {
        self.parameters.map { "\($0.key)='\($0.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'" }
            .joined(separator: " ")
    }
}
