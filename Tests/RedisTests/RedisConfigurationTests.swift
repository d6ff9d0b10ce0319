import Testing

@testable import Redis

@Suite struct RedisConfigurationTests {
    @Test func parsesTCPURLs() throws {
        let plain = try RedisConfiguration(url: "redis://localhost")
        #expect(plain.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(plain.password == nil && plain.username == nil && plain.database == 0)

        let full = try RedisConfiguration(url: "redis://worker:p%40ss%3Aword@10.0.0.5:6390/3")
        #expect(full.endpoint == .tcp(host: "10.0.0.5", port: 6390))
        #expect(full.username == "worker")
        #expect(full.password == "p@ss:word")
        #expect(full.database == 3)

        let passwordOnly = try RedisConfiguration(url: "redis://:secret@127.0.0.1:7000/")
        #expect(passwordOnly.username == nil && passwordOnly.password == "secret" && passwordOnly.database == 0)

        let ipv6 = try RedisConfiguration(url: "redis://[::1]:6380")
        #expect(ipv6.endpoint == .tcp(host: "::1", port: 6380))
        #expect(ipv6.endpoint.description == "[::1]:6380")
    }

    @Test func parsesUnixURLs() throws {
        let plain = try RedisConfiguration(url: "unix:///var/run/redis.sock")
        #expect(plain.endpoint == .unix(path: "/var/run/redis.sock"))
        let withDB = try RedisConfiguration(url: "unix://:pw@/tmp/r.sock?db=2")
        #expect(withDB.endpoint == .unix(path: "/tmp/r.sock"))
        #expect(withDB.database == 2 && withDB.password == "pw")
    }

    @Test(arguments: [
        "localhost:6379", "http://localhost", "redis://", "redis://:6379", "redis://host:0", "redis://host:70000",
        "redis://host:port", "redis://host/-1", "redis://host/x", "redis://[::1", "redis://host?db=1", "unix://relative.sock",
        "unix:///tmp/r.sock?database=1", "redis://u:%zz@host",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        do {
            _ = try RedisConfiguration(url: url)
        } catch {
            #expect(error.code == .invalidURL)
        }
    }

    @Test func rejectsTLS() {
        #expect { try RedisConfiguration(url: "rediss://:pw@host:6380") } throws: { ($0 as? RedisError)?.code == .unsupported }
    }

    @Test func redactsThePassword() throws {
        let password = "hunter2-very-secret"
        let configuration = try RedisConfiguration(url: "redis://app:\(password)@cache.internal:6390/1")
        #expect(configuration.redacted == "redis://app:***@cache.internal:6390/1")
        for text in [configuration.description, configuration.debugDescription, "\(configuration)"] {
            #expect(!text.contains(password))
        }
        do {
            _ = try RedisConfiguration(url: "redis://app:\(password)@cache.internal:notaport")
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains(password) && !error.debugDescription.contains(password))
        }
    }

    @Test func defaults() {
        let configuration = RedisConfiguration()
        #expect(configuration.connectTimeout == .seconds(2) && configuration.commandTimeout == .seconds(5))
        #expect(configuration.poolSize == 8 && configuration.blockingPoolSize == 4)
        #expect(configuration.acquireTimeout == .seconds(5) && configuration.keepAlive)
    }

    @Test func blockingTimeoutGuard() throws {
        #expect(try RedisClient.blockingTimeout(of: RedisCommand(["BLMOVE", "a", "b", "RIGHT", "LEFT", "2"])) == .seconds(2))
        #expect(try RedisClient.blockingTimeout(of: RedisCommand(["brpop", "a", "b", "0.5"])) == .milliseconds(500))
        #expect(try RedisClient.blockingTimeout(of: RedisCommand(["BLMPOP", "1", "1", "a", "LEFT"])) == .seconds(1))
        #expect(
            try RedisClient.blockingTimeout(of: RedisCommand(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "1500", "STREAMS", "s", ">"]))
                == .milliseconds(1500))
        let rejected: [[String]] = [
            ["BRPOP", "a", "3"], ["BRPOP", "a", "0"], ["BLMOVE", "a", "b", "RIGHT", "LEFT", "2.5"], ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
            ["XREAD", "STREAMS", "s", "$"], ["GET", "a"], ["BRPOP", "a", "soon"],
        ]
        for command in rejected {
            #expect { try RedisClient.blockingTimeout(of: RedisCommand(command)) } throws: { ($0 as? RedisError)?.code == .invalidArgument }
        }
    }
}
