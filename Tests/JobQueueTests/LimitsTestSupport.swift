import Foundation
import Logging
import Redis
import TestSupport

/// Runs `body` with a client for the shared test Redis and a prefix no other test uses; shuts the client down after.
func withLimitsClient<Result>(_ body: (RedisClient, String) async throws -> Result) async throws -> Result {
    var configuration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
    configuration.poolSize = 4
    configuration.blockingPoolSize = 1
    let client = RedisClient(configuration: configuration, logger: Logger(label: "test"))
    do {
        let result = try await body(client, TestEnvironment.uniqueName("lim"))
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// A fixed instant in a test, `milliseconds` after 2026-01-01T00:00:00Z.
func instant(_ milliseconds: Int64 = 0) -> Date {
    Date(timeIntervalSince1970: 1_767_225_600 + Double(milliseconds) / 1000)
}

/// An ISO 8601 instant with a zone offset, such as `2026-03-29T00:30:00+01:00`.
func iso(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)!
}
