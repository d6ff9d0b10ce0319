/// When a failed job runs again: exponential back-off with full jitter (a uniformly random delay between zero and
/// `base · 2^(attempt-1)`, capped), which spreads a burst of failures instead of retrying them in lock step.
public struct RetryPolicy: Sendable, Hashable {
    /// The ceiling of the first retry's delay.
    public var base: Duration
    /// The largest ceiling.
    public var cap: Duration

    /// Defaults: ceilings 1 s, 2 s, 4 s, … up to 10 minutes.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the run after `attempt` (1 for the first failure); `unit` is a random number in `0..<1`.
    public func delay(afterAttempt attempt: Int, unit: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let ceiling = min(self.cap, self.base * Double(UInt64(1) << UInt64(exponent)))
        return ceiling * min(max(unit, 0), 1)
    }

    /// ``delay(afterAttempt:unit:)`` with the system random generator.
    public func delay(afterAttempt attempt: Int) -> Duration {
        self.delay(afterAttempt: attempt, unit: Double.random(in: 0..<1))
    }
}
