import Metrics

/// The recorder's counters: `reelay.recorder.applied` (events taken into account), `reelay.recorder.skipped` (with
/// dimension `reason`: `unknown_post`, `duplicate`, `malformed`, `rejected`) and `reelay.recorder.failures` (batches
/// that failed and are tried again).
struct RecorderMetrics: Sendable {
    let applied: Counter
    let unknownPost: Counter
    let duplicate: Counter
    let malformed: Counter
    let rejected: Counter
    let failures: Counter

    init(factory: any MetricsFactory) {
        func skipped(_ reason: String) -> Counter {
            Counter(label: "reelay.recorder.skipped", dimensions: [("reason", reason)], factory: factory)
        }
        self.applied = Counter(label: "reelay.recorder.applied", factory: factory)
        self.unknownPost = skipped("unknown_post")
        self.duplicate = skipped("duplicate")
        self.malformed = skipped("malformed")
        self.rejected = skipped("rejected")
        self.failures = Counter(label: "reelay.recorder.failures", factory: factory)
    }
}
