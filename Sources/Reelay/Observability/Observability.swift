import API
import Metrics
import Logging
import Prometheus
import Synchronization

/// The process's log handler and metrics backend, installed once (swift-log and swift-metrics allow one bootstrap per
/// process).
///
/// Metrics are kept by swift-prometheus: a metric's dotted swift-metrics label becomes its Prometheus name with
/// underscores (`reelay.jobs.completed` → `reelay_jobs_completed`), and so do dimension names
/// (`http.route` → `http_route`). Timers become histograms in seconds, with buckets from 5 ms to 2 min (uploads to
/// TikTok take seconds, not milliseconds).
enum Observability {
    /// How log lines are written.
    enum LogFormat: String, CaseIterable, Sendable {
        /// One JSON object per line (``JSONLogHandler``): for log shippers.
        case json
        /// swift-log's plain text lines: for people at a terminal.
        case text
    }

    /// Every metric of this process.
    static let registry = PrometheusCollectorRegistry()

    private static let installed = Mutex<(logging: Bool, metrics: Bool)>((false, false))

    /// A log handler factory for `format`.
    static func handlerFactory(_ format: LogFormat) -> @Sendable (String, Logger.MetadataProvider?) -> any LogHandler {
        switch format {
        case .json: { JSONLogHandler(label: $0, metadataProvider: $1) }
        case .text: { StreamLogHandler.standardError(label: $0, metadataProvider: $1) }
        }
    }

    /// What every log line gets besides its own metadata: the id of the API request being served, if any.
    static let metadataProvider = RequestScope.metadataProvider

    /// Makes `format` the default of every `Logger` made without a factory (libraries' loggers); later calls do nothing.
    static func bootstrapLogging(_ format: LogFormat) {
        let first = Self.installed.withLock { state in
            defer { state.logging = true }
            return !state.logging
        }
        if first { LoggingSystem.bootstrap(Self.handlerFactory(format), metadataProvider: Self.metadataProvider) }
    }

    /// Installs the Prometheus backend as the process's metrics system; later calls do nothing.
    static func bootstrapMetrics() {
        let first = Self.installed.withLock { state in
            defer { state.metrics = true }
            return !state.metrics
        }
        guard first else { return }
        MetricsSystem.bootstrap(Self.factory())
    }

    /// The Prometheus factory over ``registry``, with Reelay's naming and buckets.
    static func factory(registry: PrometheusCollectorRegistry = Self.registry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.prometheusName(name), labels.map { (Self.prometheusName($0.0), $0.1) })
        }
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        return factory
    }

    /// `name` with every character Prometheus does not allow in a name (`[a-zA-Z0-9_:]`, no leading digit) as `_`.
    static func prometheusName(_ name: String) -> String {
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let allowed = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_" || scalar == ":"
                || (index > 0 && scalar >= "0" && scalar <= "9")
            out.unicodeScalars.append(allowed ? scalar : "_")
        }
        return out
    }

    /// The exposition text of ``registry``.
    static func metricsText() -> [UInt8] { Self.registry.emitToBuffer() }
}
