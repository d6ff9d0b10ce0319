import Foundation
import Logging
import Redis
import TestSupport
import Testing
import TikTok

/// The worker token cache against a real Redis.
@Suite struct TokenCacheTests {
    static let key = "k1:" + Data(repeating: 0x33, count: 32).base64EncodedString()

    /// Runs `body` with a cache under a prefix no other test uses.
    func withCache(_ body: (TokenCache, RedisClient) async throws -> Void) async throws {
        var configuration = try RedisConfiguration(url: try await TestEnvironment.redisURL())
        configuration.poolSize = 2
        configuration.blockingPoolSize = 1
        let redis = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        let cache = TokenCache(redis: redis, cipher: try TokenCipher(keySetting: Self.key), prefix: TestEnvironment.uniqueName("tok"))
        do {
            try await body(cache, redis)
            await redis.shutdown()
        } catch {
            await redis.shutdown()
            throw error
        }
    }

    @Test func storesEncryptedAndReadsBack() async throws {
        try await self.withCache { cache, redis in
            let account = UUID().uuidString
            let now = Date()
            try await cache.put(account: account, accessToken: "act.CACHED", openID: "open-1", expiresAt: now.addingTimeInterval(7200))
            let token = try #require(try await cache.get(account: account, now: now))
            #expect(token.accessToken == "act.CACHED" && token.openID == "open-1")
            #expect(abs(token.expiresAt.timeIntervalSince(now.addingTimeInterval(7200))) < 0.002)

            let key = try cache.key(account: account)
            #expect(key.hasSuffix(":token:{\(account.lowercased())}"))
            let stored = try await redis.send(["HGETALL", key]).array?.compactMap(\.string) ?? []
            let fields = Dictionary(uniqueKeysWithValues: stride(from: 0, to: stored.count - 1, by: 2).map { (stored[$0], stored[$0 + 1]) })
            #expect(Set(fields.keys) == ["access_token", "expires_at", "open_id", "key_id"])
            #expect(fields["access_token"]?.hasPrefix("v1:k1:") == true)
            #expect(!stored.joined().contains("act.CACHED"), "the token is stored encrypted")
            #expect(fields["key_id"] == "k1")
            let ttl = try await redis.send(["PTTL", key]).int ?? -1
            #expect((7_100_000...7_200_000).contains(ttl), "the key expires with the token (ttl \(ttl) ms)")
        }
    }

    @Test func aTokenAboutToExpireCountsAsMissing() async throws {
        try await self.withCache { cache, _ in
            let account = UUID().uuidString
            let now = Date()
            try await cache.put(account: account, accessToken: "act.SOON", openID: "o", expiresAt: now.addingTimeInterval(300))
            #expect(try await cache.get(account: account, now: now) == nil, "inside the 10-minute margin")
            var lenient = cache
            lenient.refreshMargin = .seconds(60)
            #expect(try await lenient.get(account: account, now: now)?.accessToken == "act.SOON")
            #expect(try await cache.get(account: UUID().uuidString) == nil, "never cached")
            try await cache.remove(account: account)
            #expect(try await lenient.get(account: account, now: now) == nil)
        }
    }

    @Test func aNewPutReplacesTheOldEntry() async throws {
        try await self.withCache { cache, _ in
            let account = UUID().uuidString
            try await cache.put(account: account, accessToken: "act.ONE", openID: "o", expiresAt: Date().addingTimeInterval(7200))
            try await cache.put(account: account, accessToken: "act.TWO", openID: "o", expiresAt: Date().addingTimeInterval(3600))
            #expect(try await cache.get(account: account)?.accessToken == "act.TWO")
        }
    }

    /// A value copied onto another account's key, or tampered with, never decrypts there: the worker sees a miss.
    @Test func foreignOrTamperedValuesReadAsMissing() async throws {
        try await self.withCache { cache, redis in
            let (a, b) = (UUID().uuidString, UUID().uuidString)
            try await cache.put(account: a, accessToken: "act.A", openID: "oa", expiresAt: Date().addingTimeInterval(7200))
            try await cache.put(account: b, accessToken: "act.B", openID: "ob", expiresAt: Date().addingTimeInterval(7200))
            let sealedA = try await redis.send(["HGET", try cache.key(account: a), "access_token"]).string ?? ""
            _ = try await redis.send(["HSET", try cache.key(account: b), "access_token", sealedA])
            #expect(try await cache.get(account: b) == nil)
        }
    }

    @Test(arguments: ["", "42", "not-a-uuid", "00000000-0000-0000-0000-00000000000g", "{x}"])
    func rejectsAccountIDsThatAreNotUUIDs(account: String) async throws {
        try await self.withCache { cache, _ in
            await #expect { try await cache.get(account: account) } throws: { ($0 as? TokenCacheError)?.code == .invalidAccountID }
            await #expect(throws: TokenCacheError.self) {
                try await cache.put(account: account, accessToken: "act", openID: "o", expiresAt: Date().addingTimeInterval(60))
            }
        }
    }
}
