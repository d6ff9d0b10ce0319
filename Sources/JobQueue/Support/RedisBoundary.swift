import Foundation
import Redis

/// Where job-queue code meets the Redis client: every ``RedisError`` becomes a ``JobQueueError`` `broker` that keeps the
/// server's message in its detail (style R5: errors are converted at each boundary).
enum RedisBoundary {
    /// Runs `body`; a ``RedisError`` is rethrown as `broker` naming `operation`, a ``JobQueueError`` passes through.
    static func call<Result>(_ operation: String, _ body: () async throws -> Result) async throws(JobQueueError) -> Result {
        do {
            return try await body()
        } catch let error as JobQueueError {
            throw error
        } catch let error as RedisError {
            throw JobQueueError(.broker, detail: "\(operation): \(error.debugDescription)")
        } catch {
            throw JobQueueError(.broker, detail: "\(operation): \(error)")
        }
    }
}

