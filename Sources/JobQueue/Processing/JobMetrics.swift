public import CoreMetrics
import Synchronization

/// The counters and the run-duration timer of one (queue, job name) pair: `reelay.jobs.{enqueued, started, completed,
/// failed, retried, dead}` and `reelay.jobs.duration`, each with dimensions `queue` and `job`.
struct JobMetrics: Sendable {
    let enqueued: Counter
    let started: Counter
    let completed: Counter
    let failed: Counter
    let retried: Counter
    let dead: Counter
    let duration: Timer
}

/// Builds each pair's ``JobMetrics`` once and hands out the same handles afterwards, so the hot path of a job does not
/// ask the metrics backend for six handles every time.
public final class JobMetricsCache: Sendable {
    private let factory: any MetricsFactory
    private let handles = Mutex<[String: JobMetrics]>([:])

    /// A cache over `factory` (the process's metrics backend by default; tests pass their own).
    public init(factory: any MetricsFactory = MetricsSystem.factory) { self.factory = factory }

    func metrics(queue: String, job: String) -> JobMetrics {
        let key = queue + "\u{0}" + job
        if let known = self.handles.withLock({ $0[key] }) { return known }
        let dimensions = [("queue", queue), ("job", job)]
        func counter(_ name: String) -> Counter { Counter(label: "reelay.jobs.\(name)", dimensions: dimensions, factory: self.factory) }
        let made = JobMetrics(
            enqueued: counter("enqueued"), started: counter("started"), completed: counter("completed"), failed: counter("failed"),
            retried: counter("retried"), dead: counter("dead"),
            duration: Timer(label: "reelay.jobs.duration", dimensions: dimensions, factory: self.factory))
        return self.handles.withLock { handles in
            if let raced = handles[key] { return raced }
            handles[key] = made
            return made
        }
    }
}
