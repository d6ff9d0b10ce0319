import Redis

/// Throughput of LPUSH, LMOVE and EVALSHA through ``RedisClient`` on one connection, in the shape
/// `scripts/bench-redis.sh` prints for `redis-benchmark`, so the two can be compared cell by cell.
struct RedisBenchmarkReport: Codable, Sendable {
    /// Operations per second of one command in each mode, sent from an ordinary task through the client's shared
    /// event-loop connection (the path every caller takes).
    struct Figures: Codable, Sendable {
        /// One `send` per operation, each awaited before the next (`redis-benchmark -c 1 -P 1`).
        var roundtripOpsPerS: Double
        /// `pipeline` with 16 commands per call (`-P 16`).
        var pipelined16OpsPerS: Double
        /// `pipeline` with 64 commands per call (`-P 64`).
        var pipelined64OpsPerS: Double
        /// The same three from a task that runs on the client's event loop (`withTaskExecutorPreference(client.taskExecutor)`,
        /// as a worker's slots do): no thread hop per call.
        var onLoopRoundtripOpsPerS: Double
        var onLoopPipelined16OpsPerS: Double
        var onLoopPipelined64OpsPerS: Double

        enum CodingKeys: String, CodingKey {
            case roundtripOpsPerS = "roundtrip_ops_per_s"
            case pipelined16OpsPerS = "pipelined_16_ops_per_s"
            case pipelined64OpsPerS = "pipelined_64_ops_per_s"
            case onLoopRoundtripOpsPerS = "on_loop_roundtrip_ops_per_s"
            case onLoopPipelined16OpsPerS = "on_loop_pipelined_16_ops_per_s"
            case onLoopPipelined64OpsPerS = "on_loop_pipelined_64_ops_per_s"
        }
    }

    var lpush: Figures
    var lmove: Figures
    var evalsha: Figures
}

/// Measures ``RedisBenchmarkReport`` against a live server. Pass a client whose pool has one connection (or that is
/// otherwise idle) so every figure comes from a single connection, as with `redis-benchmark -c 1`.
struct RedisBenchmark {
    /// The script `EVALSHA` runs: KEYS[1] a counter; returns its new value.
    static let increment = RedisScript("return redis.call('INCR', KEYS[1])")

    /// Runs every command in every mode, `operations` times each, under a fresh key prefix that is deleted afterwards.
    static func run(client: RedisClient, operations: Int) async throws -> RedisBenchmarkReport {
        let prefix = "reelay:bench:\(UInt64.random(in: 0...UInt64.max))"
        let list = "\(prefix):list"
        let source = "\(prefix):source"
        let destination = "\(prefix):destination"
        let counter = "\(prefix):counter"
        do {
            let lpush = RedisCommand(["LPUSH", list, "value"])
            let lpushFigures = try await Self.measure(client: client, command: lpush, operations: operations) {}

            let lmove = RedisCommand(["LMOVE", source, destination, "RIGHT", "LEFT"])
            let lmoveFigures = try await Self.measure(client: client, command: lmove, operations: operations) {
                // Every LMOVE must find an item: refill the source before each mode.
                _ = try await client.send(["DEL", source, destination])
                let fill = RedisCommand(["LPUSH", source] + Array(repeating: "item", count: 1000))
                _ = try await client.pipeline(Array(repeating: fill, count: (operations + 999) / 1000))
            }

            _ = try await client.evalSHA(Self.increment, keys: [counter])  // loads the script once
            let evalsha = RedisCommand.evalSHA(Self.increment, keys: [counter])
            let evalshaFigures = try await Self.measure(client: client, command: evalsha, operations: operations) {}

            _ = try await client.send(["DEL", list, source, destination, counter])
            return RedisBenchmarkReport(lpush: lpushFigures, lmove: lmoveFigures, evalsha: evalshaFigures)
        } catch {
            _ = try? await client.send(["DEL", list, source, destination, counter])
            throw error
        }
    }

    /// Runs `command` `operations` times in each mode, from an ordinary task and then from one on the client's event
    /// loop, calling `prepare` before each mode.
    private static func measure(
        client: RedisClient,
        command: RedisCommand,
        operations: Int,
        prepare: () async throws -> Void
    ) async throws -> RedisBenchmarkReport.Figures {
        let ordinary = try await Self.modes(client: client, command: command, operations: operations, prepare: prepare)
        let onLoop = try await withTaskExecutorPreference(client.taskExecutor) {
            try await Self.modes(client: client, command: command, operations: operations, prepare: prepare)
        }
        return .init(
            roundtripOpsPerS: ordinary[0], pipelined16OpsPerS: ordinary[1], pipelined64OpsPerS: ordinary[2], onLoopRoundtripOpsPerS: onLoop[0],
            onLoopPipelined16OpsPerS: onLoop[1], onLoopPipelined64OpsPerS: onLoop[2])
    }

    /// Round trip, pipelined 16 and pipelined 64 rates, in that order.
    private static func modes(
        client: RedisClient, command: RedisCommand, operations: Int, prepare: () async throws -> Void
    ) async throws -> [Double] {
        try await prepare()
        var rates = [
            try await Self.rate(operations) {
                for _ in 0..<operations { _ = try await client.send(command) }
            }
        ]
        for depth in [16, 64] {
            try await prepare()
            let batch = Array(repeating: command, count: depth)
            let calls = operations / depth
            rates.append(
                try await Self.rate(calls * depth) {
                    for _ in 0..<calls { _ = try await client.pipeline(batch) }
                })
        }
        return rates
    }

    /// Operations per second of `body`, which performs `operations` operations.
    private static func rate(_ operations: Int, _ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return (Double(operations) / (ContinuousClock.now - start).inSeconds).rounded()
    }
}
