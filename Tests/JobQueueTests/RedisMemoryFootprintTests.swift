import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

/// How much Redis memory a queue needs per job (issue 7, item 7), measured on a private redis-server so no other
/// test's keys count: `used_memory` after enqueueing publish-sized jobs, then after running them (each saves a
/// checkpoint, as a publish does, and completes), when what stays is the completed hashes (kept for the retention
/// period) and the trimmed results stream. The figures are printed for the operating guide.
@Suite struct RedisMemoryFootprintTests {
    static let jobs = 10_000

    /// A publish job's payload as `reelay.publish.video` writes it, with a 150-character caption.
    static let payload = #"{"account_id":"5f0c2a9e-7d41-4c52-9a8b-2f6d1e0c7b31","daily_cap":15,"duration_seconds":42,"#
        + #""content_type":"video/mp4","media_path":"campaigns/2026-12/summer-launch/clip-0042.mp4","mode":"direct","#
        + #""post_info":{"title":""# + String(repeating: "Summer launch #reelay ", count: 7) + #"","privacy_level":"PUBLIC_TO_EVERYONE","#
        + #""disable_comment":false,"disable_duet":false,"disable_stitch":false},"time_zone":"Europe/Berlin","video_size":48213377}"#

    /// A finished publish's checkpoint.
    static let checkpoint = #"{"cap_reserved":true,"init_in_flight":false,"inits":1,"publish_id":"v_pub_file~v2-1.7412345678901234567","#
        + #""upload_issued_at_ms":1796146451387,"chunk_size":10000000,"next_chunk":5,"upload_complete":true,"#
        + #""polling_since_ms":1796146460000,"polls":3,"last_status":"PUBLISH_COMPLETE","unconfirmed":false,"post_ids":[7412345678901234567]}"#

    func usedMemory(_ client: RedisClient) async throws -> Int {
        let info = try await client.send(["INFO", "memory"]).string ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") }
        return try #require(line.flatMap { Int($0.dropFirst("used_memory:".count)) })
    }

    @Test(.timeLimit(.minutes(2))) func aQueueNeedsAFewKilobytesPerJob() async throws {
        try await RedisServer.withClient(configure: { $0.poolSize = 2; $0.blockingPoolSize = 1 }) { _, client in
            let broker = RedisJobBroker(client: client)
            let queue = "publish"
            let base = try await self.usedMemory(client)
            var requests: [JobRequest] = []
            for _ in 0..<Self.jobs { requests.append(JobRequest(name: "reelay.publish.video", payload: Self.payload)) }
            _ = try await broker.enqueue(requests, queue: queue, now: Date())
            let queued = try await self.usedMemory(client)
            while true {
                let jobs = try await broker.claim(queue: queue, worker: "w", limit: 500, leaseDuration: .seconds(60), wait: .zero, now: Date())
                if jobs.isEmpty { break }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for job in jobs { group.addTask { try await broker.checkpoint(job, data: Self.checkpoint, now: Date()) } }
                    try await group.waitForAll()
                }
                #expect(try await broker.complete(jobs, now: Date()).isEmpty)
            }
            let completed = try await self.usedMemory(client)
            let keys = try QueueKeys(queue: queue)
            let stream = try await client.send(["MEMORY", "USAGE", keys.results, "SAMPLES", "0"]).int ?? 0
            let entries = try await client.send(["XLEN", keys.results]).int ?? 0
            // One progress entry per job, and one entry per `completeMany` call: each claim of 500 is acked in calls of
            // 200, 200 and 100 jobs.
            let events = Self.jobs + Self.jobs
            #expect(entries == Self.jobs + Self.jobs / 500 * 3, "one progress entry per job, one completion entry per ack call")
            let perQueued = (queued - base) / Self.jobs
            let perCompleted = (completed - base - stream) / Self.jobs
            print(
                "redis memory: \(Self.jobs) jobs, payload \(Self.payload.utf8.count) B, checkpoint \(Self.checkpoint.utf8.count) B;"
                    + " queued \(perQueued) B/job; completed hash \(perCompleted) B/job; stream \(entries) entries holding \(events) events"
                    + " = \(stream) B (\(stream / events) B/event)")
            #expect(perQueued < 2_000 && perCompleted < 2_500, "per-job memory grew")
            #expect(entries <= RedisJobBroker.defaultResultsMaxLength + 1_000)
        }
    }
}
