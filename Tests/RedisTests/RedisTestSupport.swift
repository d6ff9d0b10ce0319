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

/// Polls `condition` every 10 ms until it holds, failing after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(self.what)" }
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
