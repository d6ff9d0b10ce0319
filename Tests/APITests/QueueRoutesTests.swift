import Domain
import Foundation
import Logging
import NIOHTTP1
import Redis
import TestSupport
import Testing

@testable import API
@testable import JobQueue

/// The Queues routes against a running API and real Redis: the figures of each queue, pausing, dead letters, and the
/// refusals (roles, unknown and invalid queue names, bad ids and cursors).
@Suite struct QueueRoutesTests {
    /// Enqueues `count` jobs now (or at `runAt`) on `queue`.
    func enqueue(_ api: APIHarness, queue: String, count: Int, runAt: Date? = nil) async throws -> [JobID] {
        let broker = RedisJobBroker(client: api.redis)
        let requests = try (0..<count).map { _ in try JobRequest(IncrementCounter(key: "test"), options: EnqueueOptions(runAt: runAt, maxAttempts: 2)) }
        _ = try await broker.enqueue(requests, queue: queue, now: try await broker.now())
        return requests.map(\.options.id)
    }

    @Test func listShowsDepthScheduledInFlightDeadOldestAgeAndWorkers() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let queue = api.configuration.queue
            let other = TestEnvironment.uniqueName("other")
            _ = try await self.enqueue(api, queue: queue, count: 4)
            _ = try await self.enqueue(api, queue: queue, count: 2, runAt: Date().addingTimeInterval(3600))
            _ = try #require(try await RouteFixtures.kill(api, queue: queue))
            _ = try #require(try await RouteFixtures.claim(api, queue: queue))
            let registry = WorkerRegistry(
                client: api.redis,
                identity: .init(workerID: "w-\(UUID())", host: "test", pid: 1, version: "test", queues: [queue, other], concurrency: 4),
                logger: Logger(label: "test"), inFlight: { 1 })
            try await registry.beat(startedAt: Date().epochMilliseconds)

            let list = try await api.send(.GET, "/api/v1/queues", key: viewer)
            #expect(list.status == 200)
            let mine = try #require(list.body.items.first { $0["name"] as? String == queue })
            #expect(mine["depth"] as? Int == 2 && mine["scheduled"] as? Int == 2 && mine["in_flight"] as? Int == 1 && mine["dead"] as? Int == 1)
            #expect(mine["paused"] as? Bool == false && mine["workers"] as? Int == 1)
            #expect((mine["oldest_age_seconds"] as? Double).map { $0 >= 0 && $0 < 600 } == true)
            let served = try #require(list.body.items.first { $0["name"] as? String == other })
            #expect(served["depth"] as? Int == 0 && served["workers"] as? Int == 1 && served["oldest_age_seconds"] == nil)
            // The fleet's keys are shared by every test: take this worker out again.
            _ = try await api.redis.pipeline([["ZREM", registry.setKey, registry.identity.workerID], ["DEL", registry.hashKey]])
        }
    }

    @Test func onlyAdminsPauseAndResumeAKnownQueue() async throws {
        try await withAPI { api in
            let admin = try await api.key(.admin)
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let queue = api.configuration.queue
            #expect(try await api.send(.POST, "/api/v1/queues/\(queue)/pause", key: viewer).status == 403)
            #expect(try await api.send(.POST, "/api/v1/queues/\(queue)/pause", key: editor).status == 403)
            #expect(try await RouteFixtures.queueStats(api).paused == false)

            let paused = try await api.send(.POST, "/api/v1/queues/\(queue)/pause", key: admin)
            #expect(paused.status == 200 && paused.body["paused"] as? Bool == true && paused.body["name"] as? String == queue)
            #expect(try await RouteFixtures.queueStats(api).paused == true)
            let resumed = try await api.send(.POST, "/api/v1/queues/\(queue)/resume", key: admin)
            #expect(resumed.status == 200 && resumed.body["paused"] as? Bool == false)
            #expect(try await RouteFixtures.queueStats(api).paused == false)

            let unknown = TestEnvironment.uniqueName("nowhere")
            let missing = try await api.send(.POST, "/api/v1/queues/\(unknown)/pause", key: admin)
            #expect(missing.status == 404 && missing.body.errorCode == "not_found")
            #expect(try await QueueInspector(client: api.redis).exists(queue: unknown) == false)
            let invalid = try await api.send(.POST, "/api/v1/queues/Bad%21Queue/pause", key: admin)
            #expect(invalid.status == 400 && invalid.body.errorCode == "invalid_request")
            #expect(try await api.send(.GET, "/api/v1/queues/\(unknown)/dead", key: admin).status == 404)
        }
    }

    @Test func deadJobsListNewestFirstAndRetryByIdOrAll() async throws {
        try await withAPI { api in
            let admin = try await api.key(.admin)
            let viewer = try await api.key(.viewer)
            let queue = api.configuration.queue
            var dead: [JobID] = []
            for age in [30.0, 20, 10] {
                _ = try await self.enqueue(api, queue: queue, count: 1)
                dead.append(try #require(try await RouteFixtures.kill(api, queue: queue, age: age)).id)
            }
            let first = try await api.send(.GET, "/api/v1/queues/\(queue)/dead?limit=2", key: viewer)
            #expect(first.status == 200)
            #expect(first.body.items.compactMap { $0["id"] as? String } == [dead[2], dead[1]].map(\.description))
            #expect(first.body.items.first?["last_error"] as? String == "permanent failure")
            #expect(first.body.items.first?["attempts"] as? Int == 1 && first.body.items.first?["died_at"] != nil)
            let cursor = try #require(first.body["next_cursor"] as? String)
            let second = try await api.send(.GET, "/api/v1/queues/\(queue)/dead?limit=2&cursor=\(cursor)", key: viewer)
            #expect(second.body.items.compactMap { $0["id"] as? String } == [dead[0].description] && second.body["next_cursor"] == nil)
            #expect(try await api.send(.GET, "/api/v1/queues/\(queue)/dead?cursor=zz", key: viewer).status == 400)
            #expect(try await api.send(.GET, "/api/v1/queues/\(queue)/dead?limit=0", key: viewer).status == 422)

            #expect(try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: viewer, json: "{}").status == 403)
            let bad = try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: admin, json: #"{"ids":["\#(dead[0])","nope",""]}"#)
            #expect(bad.status == 422 && bad.body.errorFields == ["ids[2]"])
            let notAnID = try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: admin, json: #"{"ids":["\#(dead[0])","nope"]}"#)
            #expect(notAnID.status == 422 && notAnID.body.errorFields == ["ids[1]"])
            #expect(try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: admin, json: #"{"idz":[]}"#).status == 400)
            #expect(try await RouteFixtures.queueStats(api).dead == 3)

            let one = try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: admin, json: #"{"ids":["\#(dead[0])"]}"#)
            #expect(one.status == 200 && one.body["retried"] as? Int == 1)
            #expect(try await RouteFixtures.job(api, dead[0].description)?.state == "ready")
            let all = try await api.send(.POST, "/api/v1/queues/\(queue)/dead/retry", key: admin)
            #expect(all.status == 200 && all.body["retried"] as? Int == 2, "\(all.body)")
            let stats = try await RouteFixtures.queueStats(api)
            #expect(stats.dead == 0 && stats.ready == 3)
        }
    }
}
