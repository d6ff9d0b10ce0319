import Synchronization

/// Counts a worker's free slots and lets the pickup loop wait for one, so it claims exactly as many jobs as can start.
final class SlotGate: Sendable {
    private struct State {
        var free: Int
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(slots: Int) { self.state = Mutex(State(free: slots)) }

    /// Waits until at least one slot is free and returns how many are; returns 0 once closed.
    func waitForFree() async -> Int {
        while true {
            let free = self.state.withLock { $0.closed ? 0 : $0.free }
            if free > 0 || self.isClosed { return free }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.closed || state.free > 0 { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    private var isClosed: Bool { self.state.withLock { $0.closed } }

    /// Slots free right now (0 once closed).
    var freeCount: Int { self.state.withLock { $0.closed ? 0 : $0.free } }

    /// Takes one slot for a job that is about to start.
    func take() { self.state.withLock { $0.free -= 1 } }

    /// Gives a slot back when its job is done, waking the pickup loop.
    func release() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.free += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Stops handing out slots (shutdown): a waiting pickup loop returns 0 at once.
    func close() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
