/// Runs `operation` and gives up after `limit`: the operation's task is cancelled (AsyncHTTPClient then closes the
/// connection) and ``TikTokError/Code/timeout`` is thrown. AsyncHTTPClient's own deadline ends once the reply's head
/// arrives, so this is what stops a server trickling the body one byte at a time.
func withDeadline<Value: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TikTokError(.timeout, message: "no complete reply within \(limit)")
        }
        return value
    }
}
