import Domain
import Foundation
import Logging
import NIOHTTP1
import Redis
import TestSupport
import Testing

@testable import API
@testable import JobQueue

/// The routes the dashboard reads besides the ordinary ones: the live workers, a queue's per-minute history, and the
/// dashboard's own files with their security headers; plus `/metrics`.
@Suite struct OperatorRoutesTests {
    @Test func workersListsEachLiveWorkerWithItsHostSlotsAndHeartbeat() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let id = "w-\(UUID())"
            let registry = WorkerRegistry(
                client: api.redis, identity: .init(workerID: id, host: "host-a", pid: 4242, version: "9.9.9", queues: ["publish"], concurrency: 6),
                logger: Logger(label: "test"), inFlight: { 3 })
            try await registry.beat(startedAt: Date().epochMilliseconds - 5000)
            defer { Task { _ = try? await api.redis.pipeline([["ZREM", registry.setKey, id], ["DEL", registry.hashKey]]) } }

            let reply = try await api.send(.GET, "/api/v1/workers", key: viewer)
            #expect(reply.status == 200)
            let worker = try #require(reply.body.items.first { $0["id"] as? String == id })
            #expect(worker["host"] as? String == "host-a")
            #expect(worker["pid"] as? Int == 4242)
            #expect(worker["version"] as? String == "9.9.9")
            #expect(worker["queues"] as? [String] == ["publish"])
            #expect(worker["concurrency"] as? Int == 6)
            #expect(worker["in_flight"] as? Int == 3)
            #expect(worker["beat_at"] is String && worker["started_at"] is String)
            #expect((worker["beat_age_seconds"] as? NSNumber).map { $0.doubleValue >= 0 && $0.doubleValue < 30 } == true)
            #expect(try await api.send(.GET, "/api/v1/workers").status == 401)
        }
    }

    @Test func historyCountsEachMinuteFromTheSnapshotsAndMarksUnknownMinutes() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let queue = api.configuration.queue
            let keys = try QueueKeys(queue: queue)
            let inspector = QueueInspector(client: api.redis)
            // Two minutes ago the counters read 10 completed, a minute ago 25 and 1 failed; now 27 and 3 failed. The test
            // needs the whole of one minute (Redis's clock): near a minute's end, it waits for the next one.
            var now = try await inspector.clock.now()
            let second = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
            if second > 45 {
                try await Task.sleep(for: .seconds(61 - second))
                now = try await inspector.clock.now()
            }
            let minute = Int(now.timeIntervalSince1970 / 60)
            _ = try await api.redis.pipeline([
                ["ZADD", keys.history, String(minute - 2), "\(minute - 2):10:10:0:0:0"],
                ["ZADD", keys.history, String(minute - 1), "\(minute - 1):30:25:1:0:0"],
                ["HSET", keys.stats, "enqueued", "31", "completed", "27", "failed", "3", "retried", "2", "dead", "1"],
            ])
            let reply = try await api.send(.GET, "/api/v1/queues/\(queue)/history?minutes=4", key: viewer)
            #expect(reply.status == 200)
            let points = try #require(reply.body["points"] as? [[String: Any]])
            try #require(points.count == 4)
            // minute - 3: no snapshot before or at it: unknown.
            #expect(points[0]["known"] as? Bool == false && points[0]["completed"] as? Int == 0)
            // minute - 2 → minute - 1: 15 completed, 1 failed, 20 enqueued.
            #expect(points[1]["known"] as? Bool == true)
            #expect(points[1]["completed"] as? Int == 15 && points[1]["failed"] as? Int == 1 && points[1]["enqueued"] as? Int == 20)
            // minute - 1 → minute (no snapshot of this minute yet: unknown).
            #expect(points[2]["known"] as? Bool == false)
            // The running minute: from its snapshot (none) to the live counters: unknown until a snapshot exists.
            #expect(points[3]["known"] as? Bool == false)
            let at = try #require(points[1]["at"] as? String)
            #expect(at == ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval((minute - 2) * 60))))

            // The API's loop (or this call) takes this minute's snapshot once; the running minute is then known.
            #expect(try await inspector.snapshotHistory(queue: queue))
            #expect(try await !inspector.snapshotHistory(queue: queue))
            let after = try await api.send(.GET, "/api/v1/queues/\(queue)/history?minutes=1", key: viewer)
            let running = try #require((after.body["points"] as? [[String: Any]])?.first)
            #expect(running["known"] as? Bool == true && running["completed"] as? Int == 0)
            _ = try await api.redis.send(["HINCRBY", keys.stats, "completed", "5"])
            let later = try await api.send(.GET, "/api/v1/queues/\(queue)/history?minutes=1", key: viewer)
            #expect((later.body["points"] as? [[String: Any]])?.first?["completed"] as? Int == 5)

            // Bad input is a 4xx with the error shape, never a 500.
            for bad in ["0", "1441", "abc"] {
                let refused = try await api.send(.GET, "/api/v1/queues/\(queue)/history?minutes=\(bad)", key: viewer)
                #expect((400...422).contains(refused.status), "minutes=\(bad) answered \(refused.status)")
                #expect((refused.body["error"] as? [String: Any])?["code"] is String)
            }
            #expect(try await api.send(.GET, "/api/v1/queues/no-such-queue-\(UUID().uuidString.prefix(8).lowercased())/history", key: viewer).status == 404)
            _ = try await api.redis.pipeline([["DEL", keys.history], ["DEL", keys.stats]])
        }
    }

    @Test func theDashboardIsServedWithItsSecurityHeadersAndNothingElseFromItsFolder() async throws {
        try await withAPI { api in
            let page = try await api.sendRaw(.GET, api.baseURL + "/")
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
            #expect(policy.contains("default-src 'self'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(String(decoding: page.body, as: UTF8.self).contains("/dashboard/dashboard.js"))
            let script = try await api.sendRaw(.GET, api.baseURL + "/dashboard/dashboard.js")
            #expect(script.status == 200)
            #expect(script.headers.first(name: "Content-Type")?.hasPrefix("text/javascript") == true)
            let style = try await api.sendRaw(.GET, api.baseURL + "/dashboard/dashboard.css")
            #expect(style.headers.first(name: "Content-Type")?.hasPrefix("text/css") == true)
            // Only the folder's own files, by plain name.
            for path in ["/dashboard/..%2FOpenAPI%2Fopenapi.json", "/dashboard/nope.js", "/dashboard/%2Fetc%2Fpasswd"] {
                #expect(try await api.sendRaw(.GET, api.baseURL + path).status == 404, "\(path)")
            }
        }
    }
}
