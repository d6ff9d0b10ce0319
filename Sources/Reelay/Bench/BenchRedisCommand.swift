import ArgumentParser
import Foundation
import Redis

/// `reelay bench redis`: throughput of the Redis client on one connection, as JSON or a table.
struct BenchRedisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redis", abstract: "Measure LPUSH, LMOVE and EVALSHA through the Redis client on one connection.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Operations per command and mode.") var operations = 100_000
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() async throws {
        var configuration = try self.global.settings().redis
        configuration.poolSize = 1  // every figure comes from one connection, as redis-benchmark -c 1
        configuration.blockingPoolSize = 1
        let client = RedisClient(configuration: configuration)
        let report: RedisBenchmarkReport
        do {
            report = try await RedisBenchmark.run(client: client, operations: self.operations)
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("command  roundtrip  pipelined16  pipelined64  | on the client's event loop: roundtrip  pipelined16  pipelined64")
            for (name, figures) in [("lpush", report.lpush), ("lmove", report.lmove), ("evalsha", report.evalsha)] {
                let cells = [
                    figures.roundtripOpsPerS, figures.pipelined16OpsPerS, figures.pipelined64OpsPerS, figures.onLoopRoundtripOpsPerS,
                    figures.onLoopPipelined16OpsPerS, figures.onLoopPipelined64OpsPerS,
                ]
                print(([name.padding(toLength: 8, withPad: " ", startingAt: 0)] + cells.map { String(Int($0)) }).joined(separator: "  "))
            }
        }
    }
}
