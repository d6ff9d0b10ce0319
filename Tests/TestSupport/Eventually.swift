/// A condition a test waited for did not come true in time.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What the test was waiting for, as the caller named it.
    public var what: String
    /// How long it waited.
    public var timeout: Duration

    /// A wait for `what` that gave up after `timeout`.
    public init(what: String, timeout: Duration) {
        self.what = what
        self.timeout = timeout
    }

    /// One line naming what never happened.
    public var description: String { "timed out after \(self.timeout) waiting for \(self.what)" }
}

/// Polls `condition` every `poll` until it holds; throws ``WaitTimedOut`` naming `what` once `timeout` has passed.
///
/// This is how a test waits for something to *happen* (a job to settle, a process to exit, a server to accept
/// connections). To let *time* pass, advance a ``ManualClock`` instead of sleeping. The timeout only bounds a failing
/// test, so it is generous by default: a loaded machine must not turn a slow success into a failure.
public func eventually(
    _ what: String, timeout: Duration = .seconds(30), poll: Duration = .milliseconds(20), _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while try await !condition() {
        guard clock.now < deadline else { throw WaitTimedOut(what: what, timeout: timeout) }
        try await Task.sleep(for: poll, clock: clock)
    }
}

/// Polls `produce` every `poll` until it returns a value, and returns it; throws ``WaitTimedOut`` naming `what` once
/// `timeout` has passed.
public func eventuallyValue<Value>(
    _ what: String, timeout: Duration = .seconds(30), poll: Duration = .milliseconds(20), _ produce: () async throws -> Value?
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if let value = try await produce() { return value }
        guard clock.now < deadline else { throw WaitTimedOut(what: what, timeout: timeout) }
        try await Task.sleep(for: poll, clock: clock)
    }
}
