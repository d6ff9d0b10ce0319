import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// Bounded Redis memory (issue 7, item 7): the results stream is trimmed as it grows, and checkpoints stay in the
    /// job hash instead of being copied into the stream once per save.
    @Suite struct BrokerResultsStreamTests {
        @Test func theResultsStreamStaysBounded() async throws {
            try await BrokerFixture.with("bounded") { fixture in
                let broker = RedisJobBroker(client: fixture.client, resultsMaxLength: 100)
                _ = try await broker.enqueue(try (0..<1_000).map { _ in try fixture.request() }, queue: fixture.queue, now: Date())
                var completed = 0
                while true {
                    let jobs = try await broker.claim(
                        queue: fixture.queue, worker: "w", limit: 200, leaseDuration: .seconds(30), wait: .zero, now: Date())
                    if jobs.isEmpty { break }
                    // One at a time: each completion call appends one entry (a batch shares one, see below).
                    for job in jobs { #expect(try await broker.complete([job], now: Date()).isEmpty) }
                    completed += jobs.count
                }
                #expect(completed == 1_000)
                #expect(try await fixture.stat("completed") == 1_000)
                let length = try await fixture.entryCount()
                #expect(length >= 100 && length < 300, "1,000 entries with MAXLEN ~ 100 left \(length)")
            }
        }

        @Test func aBatchOfCompletionsIsOneEntryNamingEveryJobInOrder() async throws {
            try await BrokerFixture.with("batched") { fixture in
                let requests = try (0..<5).map { _ in try fixture.request() }
                _ = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: Date())
                let jobs = try await fixture.claim(5)
                #expect(jobs.count == 5)
                // One job's lease is taken over before the batch: it is refused, and left out of the entry.
                _ = try await fixture.send(["HSET", fixture.keys.job(jobs[2].id), JobHashField.token, "someone-else"])
                #expect(try await fixture.broker.complete(jobs, now: Date()) == [jobs[2].id])
                #expect(try await fixture.entryCount() == 1, "one entry for the whole batch")
                let events = try await fixture.events()
                let expected = jobs.enumerated().filter { $0.offset != 2 }.map(\.element)
                #expect(events.map { $0[ResultEventField.job] } == expected.map(\.id.description))
                #expect(events.map { $0[ResultEventField.name] } == expected.map(\.name))
                #expect(events.allSatisfy { $0[ResultEventField.event] == "completed" && $0[ResultEventField.attempt] == "1" })
                #expect(Set(events.compactMap { $0[ResultEventField.at] }).count == 1, "the batch's time is shared")
                #expect(try await fixture.send(["ZCARD", fixture.keys.lease]).int == 1, "only the refused job still holds a lease")
                #expect(try await fixture.stat("completed") == 4)
            }
        }

        @Test func aCheckpointSaveDoesNotCopyTheCheckpointIntoTheStream() async throws {
            try await BrokerFixture.with("ckpt") { fixture in
                _ = try await fixture.enqueue(try fixture.request())
                let job = try #require(try await fixture.claim().first)
                let checkpoint = #"{"publish_id":"v_pub_file~v2.123","uploaded_bytes":"# + String(repeating: "9", count: 2_000) + "}"
                for _ in 0..<3 { try await fixture.broker.checkpoint(job, data: checkpoint, now: Date()) }
                #expect(try await fixture.field(job.id, JobHashField.checkpoint) == checkpoint, "the job hash keeps the checkpoint")
                let entries = try await fixture.send(["XRANGE", fixture.keys.results, "-", "+"]).array ?? []
                let bytes = entries.flatMap { $0.array?.last?.array?.compactMap(\.string) ?? [] }.reduce(0) { $0 + $1.utf8.count }
                #expect(bytes < 1_000, "three checkpoint saves appended \(bytes) bytes to the stream")
                #expect(try await fixture.events().allSatisfy { $0[ResultEventField.checkpoint] == nil })
            }
        }
    }
}
