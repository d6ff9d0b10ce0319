/// The order in which a slot tries its queues for one pickup: listed order in strict mode, a weighted random order
/// otherwise (a queue of weight 3 comes first three times as often as one of weight 1).
struct QueuePicker: Sendable {
    let queues: [WorkerConfiguration.QueueWeight]
    let strict: Bool

    func order<Generator: RandomNumberGenerator>(using generator: inout Generator) -> [String] {
        guard !self.strict, self.queues.count > 1 else { return self.queues.map(\.name) }
        var remaining = self.queues
        var order: [String] = []
        while !remaining.isEmpty {
            let total = remaining.reduce(0) { $0 + max($1.weight, 1) }
            var pick = Int.random(in: 0..<total, using: &generator)
            let index = remaining.firstIndex { queue in
                pick -= max(queue.weight, 1)
                return pick < 0
            } ?? 0
            order.append(remaining.remove(at: index).name)
        }
        return order
    }
}
