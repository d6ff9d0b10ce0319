import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a short command (migrate, status, bench) inside one `ServiceGroup` with the clients it needs: the clients start
/// first, `body` runs as the last service, and when it returns or throws the group shuts the clients down in reverse
/// order. SIGINT and SIGTERM end it gracefully too.
enum OneShot {
    static func run(
        clients: [any Service], logger: Logger, _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        let task = CommandTask(body: body)
        var services = clients.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        services.append(
            .init(service: task, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// The command's own work, as a service that finishes.
private struct CommandTask: Service {
    let body: @Sendable () async throws -> Void
    func run() async throws { try await self.body() }
}
