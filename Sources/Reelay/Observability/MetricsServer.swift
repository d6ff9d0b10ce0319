import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The small HTTP server of `reelay worker` and `reelay scheduler` with `--metrics-port`: `GET /metrics` (Prometheus
/// text) and `GET /healthz` (200 while the process runs; the liveness probe). Binds `host` (all interfaces by default:
/// Prometheus scrapes from another host). A service of the process's group, so it stops with it.
struct MetricsServer: Service {
    let host: String
    let port: Int
    let logger: Logger

    func run() async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Observability.metricsText())))
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        let logger = self.logger
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: "reelay-metrics"),
            onServerRunning: { channel in logger.info("metrics listening", metadata: ["port": "\(channel.localAddress?.port ?? 0)"]) },
            logger: logger)
        try await application.run()
    }
}
