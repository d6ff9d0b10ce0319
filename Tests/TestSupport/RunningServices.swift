public import Logging
public import ServiceLifecycle

/// Runs `services` in one `ServiceGroup` while `body` runs, then shuts them down gracefully (in reverse order) and
/// waits until they have finished; returns what `body` returned.
///
/// When `body` throws, the group is still shut down gracefully and its error is the one thrown (an error from the
/// services' shutdown is then dropped). An error a service throws on a normal shutdown is thrown.
public func withRunningServices<Result>(
    _ services: [any Service], logger: Logger = Logger(label: "test"), _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(services: services, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result
        do {
            result = try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}
