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

/// Milliseconds since 1970, the unit of every time stored in Redis by the job queue.
enum Milliseconds {
    /// `date` as whole milliseconds since 1970 (rounded down).
    static func since1970(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The date `milliseconds` after 1970.
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// `duration` in whole milliseconds (rounded down).
    static func of(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Parses a decimal millisecond value as Redis returns it (integer, or a bulk/float text such as a zset score).
    static func parse(_ text: String?) -> Int64? {
        guard let text else { return nil }
        if let value = Int64(text) { return value }
        return Double(text).map { Int64($0.rounded(.down)) }
    }
}
