import Foundation
import Redis
import TestSupport
import Testing

/// `reelay status` warns when Redis may evict keys (issue 7, item 7): the queue needs `maxmemory-policy noeviction`.
/// The policy is changed on a private redis-server, never on the shared test Redis.
@Suite struct StatusEvictionPolicyTests {
    @Test func statusWarnsWhenRedisMayEvictKeys() async throws {
        try await RedisServer.withClient { server, client in
            let environment = ["REELAY_REDIS_URL": server.url, "REELAY_DATABASE_URL": try await TestEnvironment.postgresURL()]
            _ = try await client.send(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"])
            let lru = try await ReelayBinary.run(["status"], environment: environment)
            #expect(lru.stdout.contains("redis       ok"), "\(lru.stdout)\(lru.stderr)")
            #expect(lru.stdout.contains("warning     Redis maxmemory-policy is allkeys-lru, not noeviction"), "\(lru.stdout)")

            _ = try await client.send(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
            let safe = try await ReelayBinary.run(["status"], environment: environment)
            #expect(safe.stdout.contains("redis       ok"), "\(safe.stdout)\(safe.stderr)")
            #expect(!safe.stdout.contains("maxmemory-policy"), "\(safe.stdout)")
        }
    }
}
