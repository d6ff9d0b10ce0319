import Synchronization

/// Collects the acks of finished jobs so one Redis round trip records many: whatever finished while the previous
/// batch was being written goes in the next one. Under no load a lone ack is written at once, so it adds no delay.
final class CompletionBatcher<Element: Sendable>: Sendable {
    private struct State {
        var pending: [Element] = []
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let maximumBatch: Int

    init(maximumBatch: Int) { self.maximumBatch = maximumBatch }

    /// Adds one element for the next batch.
    func submit(_ element: Element) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.append(element)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// No more elements will come: ``nextBatch()`` hands out what is left, then returns nil.
    func finish() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The elements waiting now (at most the maximum batch), waiting for one if there are none; nil once finished and empty.
    func nextBatch() async -> [Element]? {
        while true {
            let batch = self.state.withLock { state -> [Element]? in
                guard !state.pending.isEmpty else { return state.finished ? nil : [] }
                let count = min(state.pending.count, self.maximumBatch)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.finished || !state.pending.isEmpty { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
