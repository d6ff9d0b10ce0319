import Foundation
import Logging
import Testing
import TikTok

/// A real client against a raw server that misbehaves: every case ends in a typed, classified ``TikTokError`` within
/// the configured deadline — never a crash, never a hang.
@Suite struct HostileServerTests {
    /// Generous, so a loaded 2-core machine running the whole suite still sees each reply's true cause first.
    static let deadline: Duration = .seconds(8)

    static func client(port: Int, route: String) -> TikTokClient {
        var configuration = TikTokConfiguration(clientKey: "k", clientSecret: "s", redirectURI: "https://r.example/cb")
        configuration.apiBaseURL = "http://127.0.0.1:\(port)/\(route)"
        configuration.requestDeadline = Self.deadline
        configuration.connectTimeout = .seconds(5)
        configuration.maxResponseBytes = 1 << 20
        return TikTokClient(configuration: configuration)
    }

    @Test(arguments: [
        ("nonjson", TikTokError.Code.malformedResponse), ("missing", .malformedResponse), ("wrongtype", .malformedResponse),
        ("html502", .internalError), ("redirect", .unexpectedRedirect), ("huge", .responseTooLarge),
        ("hugechunked", .responseTooLarge), ("slow", .timeout), ("silent", .timeout), ("close", .network),
    ])
    func misbehaviourIsATypedTransientError(route: String, code: TikTokError.Code) async throws {
        try await RawHTTPServer.with(HostileHandler()) { port in
            let client = Self.client(port: port, route: route)
            let started = ContinuousClock.now
            let error = await #expect(throws: TikTokError.self) { try await client.creatorInfo(accessToken: "act.x") }
            let elapsed = ContinuousClock.now - started
            #expect(error?.code == code, "\(route): \(String(describing: error))")
            #expect(error?.classification == .transient)
            #expect(elapsed < Self.deadline + .seconds(4), "\(route) took \(elapsed)")
            if route == "missing" { #expect(error?.logID == "MISS1") }
            if route == "html502" { #expect(error?.httpStatus == 502) }
            await client.shutdown()
        }
    }

    @Test func oauthCallsAreBoundedToo() async throws {
        try await RawHTTPServer.with(HostileHandler()) { port in
            for (route, code) in [("slow", TikTokError.Code.timeout), ("hugechunked", .responseTooLarge), ("html502", .internalError)] {
                let client = Self.client(port: port, route: route)
                let error = await #expect(throws: TikTokError.self) { try await client.refresh(refreshToken: "rft.x") }
                #expect(error?.code == code, "\(route)")
                await client.shutdown()
            }
        }
    }

    /// A transport (and a media cache) dropped without `shutdown()`, as an owner's error path may do, shuts its
    /// HTTPClient down itself: without that, AsyncHTTPClient traps in debug builds and this test process would crash.
    @Test func aTransportOrCacheDroppedWithoutShutdownClosesItsClient() async throws {
        do {
            let transport = HTTPClientTransport()
            let cache = RemoteMediaCache(
                mediaRoot: NSTemporaryDirectory(), configuration: RemoteMediaConfiguration(directory: NSTemporaryDirectory() + "reelay-drop-\(UUID())", maxBytes: 1 << 20),
                logger: Logger(label: "test"))
            _ = (transport, cache)
        }
        try await Task.sleep(for: .milliseconds(300))
    }

    /// After refusing a huge body and giving up on a trickle, the same client still works: nothing was left hanging.
    @Test func theClientRecoversAfterHostileReplies() async throws {
        try await RawHTTPServer.with(HostileHandler()) { port in
            var configuration = TikTokConfiguration(clientKey: "k", clientSecret: "s", redirectURI: "https://r.example/cb")
            configuration.requestDeadline = Self.deadline
            let transport = HTTPClientTransport(connectTimeout: .seconds(2), connectionsPerHost: 1)
            for route in ["huge", "slow", "close", "good"] {
                configuration.apiBaseURL = "http://127.0.0.1:\(port)/\(route)"
                let client = TikTokClient(configuration: configuration, transport: transport)
                let outcome = await Result { () async throws(TikTokError) -> CreatorInfo in try await client.creatorInfo(accessToken: "act.x") }
                if route == "good" {
                    // Recorded, not thrown: a throw here would skip the transport's shutdown, and AsyncHTTPClient traps
                    // on an HTTPClient dropped without one (which would crash the whole test run).
                    if case .success(let info) = outcome { #expect(info.nickname == "n") } else { Issue.record("the good route failed: \(outcome)") }
                } else {
                    #expect(throws: TikTokError.self) { try outcome.get() }
                }
            }
            await transport.shutdown()
            let closed = TikTokClient(configuration: configuration, transport: transport)
            await #expect { try await closed.creatorInfo(accessToken: "act.x") } throws: { ($0 as? TikTokError)?.code == .clientShutDown }
        }
    }
}

extension Result where Failure == TikTokError {
    /// The outcome of an async throwing body.
    init(_ body: () async throws(TikTokError) -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
