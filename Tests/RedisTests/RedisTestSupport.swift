import Testing
@testable import Redis
import TestSupport

/// Runs `body` with a client for `url` (the shared test server by default) and shuts the client down afterwards.
func withClient<Result>(
    url: String? = nil,
    configure: (inout RedisConfiguration) -> Void = { _ in },
    _ body: (RedisClient) async throws -> Result
) async throws -> Result {
    let resolved: String
    if let url { resolved = url } else { resolved = try await TestEnvironment.redisURL() }
    var configuration = try RedisConfiguration(url: resolved)
    configuration.poolSize = 2
    configuration.blockingPoolSize = 1
    configure(&configuration)
    let client = RedisClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// TestSupport's ``eventually(_:timeout:poll:_:)`` polling every 10 ms, for callers that wait on a synchronous condition.
func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    try await eventually(what, timeout: timeout, poll: .milliseconds(10)) { condition() }
}

/// Runs `body` and returns the `RedisError` it threw, or `nil` when it returned (or threw another error, recorded as an issue).
func redisError(_ body: () async throws -> Void) async -> RedisError? {
    do {
        try await body()
        return nil
    } catch let error as RedisError {
        return error
    } catch {
        Issue.record("expected a RedisError, got \(error)")
        return nil
    }
}
