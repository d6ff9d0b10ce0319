import Foundation
import JobQueue
import Logging
import Redis
import TestSupport
import Testing

/// A worker marks a job started when its handler begins, not when it is claimed (issue 7, item 6): a job held in the
/// prefetch buffer, or claimed by a worker that never got the reply, goes back without an attempt or a stall; a job
/// whose handler ran and whose lease expired counts a stall.
@Suite struct WorkerStartTests {
    @Test(.timeLimit(.minutes(1))) func onlyTheRunningJobCountsAStallWhenLeasesExpire() async throws {
        let harness = try await WorkerHarness.make()
        var configuration = harness.configuration(concurrency: 1, grace: .milliseconds(200), lease: .seconds(30))
        configuration.prefetch = 1
        let processor = JobProcessorTests().processor(harness, configuration: configuration)
        var ids: [JobID] = []
        try await harness.running(processor) {
            ids = try await harness.enqueue([ProbeJob(mode: "stuck", key: "unused"), ProbeJob(mode: "stuck", key: "unused")])
            try await eventually("one running, one prefetched") {
                try await harness.client.send(["ZCARD", harness.keys.lease]) == .integer(2) && processor.runningJobs == 1
            }
            let started = try await ids.asyncMap { try await harness.field($0, JobHashField.started) }
            #expect(started.sorted { ($0 ?? "") < ($1 ?? "") } == ["0", "1"], "one started, one held: \(started)")
            // Both leases expire (a partition, say) and a recoverer elsewhere takes them back; the queue is paused so
            // the worker does not take them again before they are looked at.
            _ = try await harness.client.send(["SET", harness.keys.paused, "1"])
            for id in ids { _ = try await harness.client.send(["ZADD", harness.keys.lease, "0", id.description]) }
            let recovered = try await harness.broker.recoverExpiredLeases(
                queue: harness.queue, now: Date(), maxStalls: 3, orphanGrace: .seconds(30))
            #expect(Set(recovered) == Set(ids))
            let ran = try #require(zip(ids, started).first { $0.1 == "1" }?.0)
            let held = try #require(zip(ids, started).first { $0.1 == "0" }?.0)
            #expect(try await harness.field(ran, JobHashField.stalls) == "1")
            #expect(try await harness.field(held, JobHashField.stalls) == "0", "a job that never started did not stall")
            #expect(try await harness.field(held, JobHashField.attempt) == "0", "nor used an attempt")
        }
        await harness.client.shutdown()
    }
}
