import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

extension Observability {
    /// Turns tracing on when `endpoint` (`REELAY_OTLP_ENDPOINT`, an OTLP/HTTP base URL such as
    /// `http://otel-collector:4318`) is set: installs swift-otel's tracer as the process's tracer (spans sent to
    /// `<endpoint>/v1/traces` in OTLP/HTTP JSON, batched every second) and returns its service, which flushes the last
    /// spans at shutdown. `service` names the process (`reelay-api`, `reelay-worker`, `reelay-scheduler`). Without an
    /// endpoint it does nothing: the no-op tracer costs next to nothing. The usual `OTEL_*` variables still override.
    static func tracingServices(endpoint: String?, service: String, logger: Logger) throws -> [any Service] {
        guard let endpoint, !endpoint.isEmpty else { return [] }
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.otlpExporter.protocol = .httpJSON
        configuration.traces.otlpExporter.endpoint = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("tracing on", metadata: ["otlp.endpoint": "\(configuration.traces.otlpExporter.endpoint)", "service": "\(service)"])
        return [backend.service]
    }
}
