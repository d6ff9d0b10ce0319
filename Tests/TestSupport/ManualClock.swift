public import Foundation
import Synchronization

/// A wall clock that moves only when the test says so, so a test can let an hour pass in no time.
///
/// Hand ``now`` (or ``read``) to code that takes an injected clock, then ``advance(by:)`` it past the deadline under
/// test instead of sleeping. It never moves by itself, so whatever depends on it (expiry, windows, processing times)
/// stands still until the test advances it.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    /// A clock showing `start` (default: the real time now, so dates it gives look ordinary).
    public init(start: Date = Date()) {
        self.current = Mutex(start)
    }

    /// The time it shows.
    public var now: Date { self.current.withLock { $0 } }

    /// A closure reading this clock, for an injected `@Sendable () -> Date`.
    public var read: @Sendable () -> Date { { self.now } }

    /// Moves the clock forward by `duration` (negative durations are refused: time does not run backwards here).
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a ManualClock only moves forward")
        let (seconds, attoseconds) = duration.components
        let interval = TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
        self.current.withLock { $0 = $0.addingTimeInterval(interval) }
    }
}
