@testable import Redis
import TestSupport
import Testing

/// A `RedisError`'s `description` (what ends up in a log line or an outer error's text) names only its code; the
/// server's message, the endpoint, replies, keys and arguments are only in `debugDescription`.
@Suite struct RedisErrorBoundaryTests {
    @Test func aServerErrorsDescriptionCarriesNoDetail() async throws {
        let secret = TestEnvironment.uniqueName("payload")
        let script = RedisScript("return redis.error_reply('BOOM ' .. KEYS[1] .. ' ' .. ARGV[1])")
        try await withClient { (client: RedisClient) async throws in
            let error = await redisError { _ = try await client.evalSHA(script, keys: ["\(secret):key"], arguments: [secret]) }
            #expect(error?.code == .server)
            #expect(error?.description == "RedisError(code: server)")
            #expect("\(error.map { $0 as any Error }!)" == "RedisError(code: server)")
            #expect(error?.debugDescription.contains("BOOM \(secret):key \(secret)") == true)
        }
    }

    @Test func aConnectErrorsDescriptionNamesNoEndpoint() async throws {
        let unreachable = "redis://127.0.0.1:1"
        try await withClient(url: unreachable, configure: { $0.acquireTimeout = .milliseconds(200) }) { (client: RedisClient) async throws in
            let error = await redisError { _ = try await client.send(["GET", "some-key"]) }
            #expect(error?.code == .connect)
            #expect(error?.description == "RedisError(code: connect)")
            #expect(error?.debugDescription.contains("127.0.0.1:1") == true)
        }
    }

    @Test func otherDetailStaysInTheDebugDescription() throws {
        let mismatch = #expect(throws: RedisError.self) { _ = try RedisValue.bulk(Array("secret-value".utf8)).asArray() }
        #expect(mismatch?.description == "RedisError(code: typeMismatch)")
        let invalid = #expect(throws: RedisError.self) { _ = try RedisClient.blockingTimeout(of: RedisCommand(["BLPOP", "secret-key", "9"])) }
        #expect(invalid?.description == "RedisError(code: invalidArgument)")
        #expect(invalid?.debugDescription.contains("above the 2 s limit") == true)
        let auth = RedisError(.authentication, serverMessage: "WRONGPASS invalid username-password pair", endpoint: "10.0.0.1:6379")
        #expect(auth.description == "RedisError(code: authentication)")
        #expect(auth.debugDescription.contains("WRONGPASS") && auth.debugDescription.contains("10.0.0.1:6379"))
    }
}
