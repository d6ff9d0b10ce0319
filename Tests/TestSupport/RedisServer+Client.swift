public import Logging
public import Redis

extension RedisServer {
    /// Starts a private server and a client on it, runs `body` with both, then shuts the client down and stops the
    /// server, also when `body` throws (then `body`'s error is the one thrown); returns what `body` returned.
    ///
    /// - Parameters:
    ///   - appendOnly: Whether the server keeps an append-only file, so data survives a restart.
    ///   - configure: Adjusts the client's configuration (pool sizes, timeouts) after it was read from the server's URL.
    ///   - logger: The client's logger.
    public static func withClient<Result>(
        appendOnly: Bool = false, configure: (inout RedisConfiguration) -> Void = { _ in }, logger: Logger = Logger(label: "test"),
        _ body: (RedisServer, RedisClient) async throws -> Result
    ) async throws -> Result {
        try await RedisServer.with(appendOnly: appendOnly) { server in
            var configuration = try RedisConfiguration(url: server.url)
            configure(&configuration)
            let client = RedisClient(configuration: configuration, logger: logger)
            let result: Result
            do {
                result = try await body(server, client)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
            return result
        }
    }
}
