import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// Enqueue against a real Redis: idempotency by id, unique keys, delays, and one huge batch.
    @Suite struct BrokerEnqueueTests {
        @Test func enqueueIsIdempotentByJobID() async throws {
            try await BrokerFixture.with("enq") { fixture in
                let request = try fixture.request()
                let id = request.options.id
                #expect(try await fixture.enqueue(request, now: instant(0)) == .enqueued(id))
                let stored = try await fixture.hash(id)
                #expect(stored[JobHashField.state] == "ready" && stored[JobHashField.enqueuedAt] == String(milliseconds(instant(0))))

                // The same request again, later: refused, nothing rewritten (enqueued_at would move).
                #expect(try await fixture.enqueue(request, now: instant(5_000)) == .duplicateID(id))
                // The same id with another payload and name in a batch: refused too.
                var other = request
                other.name = "something.else"
                other.payload = #"{"other":true}"#
                #expect(try await fixture.broker.enqueue([other, request], queue: fixture.queue, now: instant(9_000)) == [.duplicateID(id), .duplicateID(id)])

                #expect(try await fixture.list(fixture.keys.ready) == [id.description], "one entry in ready")
                #expect(try await fixture.hash(id) == stored, "hash unchanged")
                #expect(try await fixture.stat("enqueued") == 1)
            }
        }

        @Test func aUniqueKeyRefusesASecondJobUntilTheFirstCompletes() async throws {
            try await BrokerFixture.with("uniq") { fixture in
                let key = "post-42"
                let a = try fixture.request(EnqueueOptions(uniqueKey: key))
                let b = try fixture.request(EnqueueOptions(uniqueKey: key))
                #expect(try await fixture.enqueue(a) == .enqueued(a.options.id))
                #expect(try await fixture.send(["GET", fixture.keys.unique(key)]).string == a.options.id.description)
                #expect(try await fixture.enqueue(b) == .duplicateUniqueKey(existing: a.options.id))
                #expect(try await fixture.exists(fixture.keys.job(b.options.id)) == false, "the refused job left no hash")
                #expect(try await fixture.list(fixture.keys.ready) == [a.options.id.description])

                // A runs: while it is active the key still holds.
                let leased = try await fixture.claim()
                #expect(leased.map(\.id) == [a.options.id])
                #expect(try await fixture.enqueue(b) == .duplicateUniqueKey(existing: a.options.id))
                #expect(try await fixture.broker.complete(leased, now: Date()).isEmpty)
                #expect(try await fixture.exists(fixture.keys.unique(key)) == false, "completing A released its lock")

                let c = try fixture.request(EnqueueOptions(uniqueKey: key))
                #expect(try await fixture.enqueue(c) == .enqueued(c.options.id))
                let d = try fixture.request(EnqueueOptions(uniqueKey: key))
                #expect(try await fixture.enqueue(d) == .duplicateUniqueKey(existing: c.options.id))
                #expect(try await fixture.stat("enqueued") == 2)
            }
        }

        /// A lock that outlived its job (the job finished without releasing it, or its hash is gone) is released by the
        /// next enqueue with that key, which then goes through.
        @Test func aStaleUniqueLockIsReleasedOnEnqueue() async throws {
            try await BrokerFixture.with("stale") { fixture in
                // Owner completed, lock left behind.
                let a = try fixture.request(EnqueueOptions(uniqueKey: "k1"))
                _ = try await fixture.enqueue(a)
                let leased = try await fixture.claim()
                #expect(try await fixture.broker.complete(leased, now: Date()).isEmpty)
                _ = try await fixture.send(["SET", fixture.keys.unique("k1"), a.options.id.description, "PX", "3600000"])
                let c = try fixture.request(EnqueueOptions(uniqueKey: "k1"))
                #expect(try await fixture.enqueue(c) == .enqueued(c.options.id))
                #expect(try await fixture.send(["GET", fixture.keys.unique("k1")]).string == c.options.id.description)

                // Owner's hash gone altogether.
                let ghost = JobID()
                _ = try await fixture.send(["SET", fixture.keys.unique("k2"), ghost.description, "PX", "3600000"])
                let e = try fixture.request(EnqueueOptions(uniqueKey: "k2"))
                #expect(try await fixture.enqueue(e) == .enqueued(e.options.id))

                // A live owner (ready) keeps its lock.
                let f = try fixture.request(EnqueueOptions(uniqueKey: "k2"))
                #expect(try await fixture.enqueue(f) == .duplicateUniqueKey(existing: e.options.id))
            }
        }

        @Test func aUniqueLockExpiresAfterUniqueFor() async throws {
            try await BrokerFixture.with("ttl") { fixture in
                let a = try fixture.request(EnqueueOptions(uniqueKey: "k", uniqueFor: .seconds(1)))
                #expect(try await fixture.enqueue(a) == .enqueued(a.options.id))
                let ttl = try await fixture.send(["PTTL", fixture.keys.unique("k")]).int ?? -1
                #expect((1...1_000).contains(ttl), "PTTL \(ttl)")
                let b = try fixture.request(EnqueueOptions(uniqueKey: "k"))
                #expect(try await fixture.enqueue(b) == .duplicateUniqueKey(existing: a.options.id))

                try await eventually("the lock to expire") { try await !fixture.exists(fixture.keys.unique("k")) }
                // A is still ready (alive), so only the expiry can let B in.
                #expect(try await fixture.field(a.options.id, JobHashField.state) == "ready")
                #expect(try await fixture.enqueue(b) == .enqueued(b.options.id))
                #expect(try await fixture.list(fixture.keys.ready) == [b.options.id.description, a.options.id.description])
            }
        }

        /// One call of 700 jobs spans several script calls: each job is judged exactly as if it came alone, in order,
        /// across the script calls' boundaries (a unique key taken by job 10 refuses job 400; an id repeated at 300 and
        /// 650 is refused the second time), and due and later jobs go where they belong.
        @Test func aBatchJudgesEachJobInOrderAcrossScriptCalls() async throws {
            try await BrokerFixture.with("batch") { fixture in
                let now = instant(0)
                var requests = try (0..<700).map { index throws in
                    try fixture.request(EnqueueOptions(runAt: index % 7 == 0 ? instant(60_000) : nil))
                }
                requests[10] = try fixture.request(EnqueueOptions(uniqueKey: "shared"))
                requests[400] = try fixture.request(EnqueueOptions(uniqueKey: "shared"))
                requests[650] = requests[300]
                let outcomes = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: now)

                for (index, outcome) in outcomes.enumerated() {
                    let id = requests[index].options.id
                    switch index {
                    case 400: #expect(outcome == .duplicateUniqueKey(existing: requests[10].options.id))
                    case 650: #expect(outcome == .duplicateID(id))
                    default: #expect(outcome == .enqueued(id), "job \(index)")
                    }
                }
                let stored = (0..<700).filter { $0 != 400 && $0 != 650 }
                let later = stored.filter { $0 % 7 == 0 }  // none of 10, 300, 400 and 650 is a multiple of 7
                let due = stored.filter { $0 % 7 != 0 }
                // Oldest at the right: ready holds the due jobs in request order.
                #expect(try await fixture.list(fixture.keys.ready) == due.reversed().map { requests[$0].options.id.description })
                #expect(try await fixture.cardinality(fixture.keys.scheduled) == later.count)
                #expect(try await fixture.exists(fixture.keys.job(requests[400].options.id)) == false, "the refused job left no hash")
                #expect(try await fixture.stat("enqueued") == stored.count)
            }
        }

        @Test func aJobWithARunAtInTheFutureIsScheduledUntilPromoted() async throws {
            try await BrokerFixture.with("delay") { fixture in
                let now = instant(0)
                let soonAt = instant(60_000)
                let laterAt = instant(120_000)
                let soon = try fixture.request(EnqueueOptions(runAt: soonAt))
                let later = try fixture.request(EnqueueOptions(runAt: laterAt))
                let pastAt = try fixture.request(EnqueueOptions(runAt: instant(-5_000)))
                #expect(
                    try await fixture.broker.enqueue([soon, later, pastAt], queue: fixture.queue, now: now)
                        == [.enqueued(soon.options.id), .enqueued(later.options.id), .enqueued(pastAt.options.id)])

                #expect(try await fixture.field(soon.options.id, JobHashField.state) == "scheduled")
                #expect(try await fixture.field(soon.options.id, JobHashField.runAt) == String(milliseconds(soonAt)))
                #expect(try await fixture.score(fixture.keys.scheduled, soon.options.id) == milliseconds(soonAt))
                #expect(try await fixture.score(fixture.keys.scheduled, later.options.id) == milliseconds(laterAt))
                #expect(try await fixture.list(fixture.keys.ready) == [pastAt.options.id.description], "a past run-at is ready now")
                #expect(try await fixture.claim(5, now: now).map(\.id) == [pastAt.options.id], "a scheduled job cannot be claimed")

                let early = try await fixture.broker.promoteDue(queue: fixture.queue, now: instant(30_000), limit: 100)
                #expect(early.moved == 0)
                #expect(early.nextDue.map(milliseconds) == milliseconds(soonAt))

                let due = try await fixture.broker.promoteDue(queue: fixture.queue, now: instant(60_001), limit: 100)
                #expect(due.moved == 1)
                #expect(due.nextDue.map(milliseconds) == milliseconds(laterAt))
                #expect(try await fixture.list(fixture.keys.ready) == [soon.options.id.description])
                #expect(try await fixture.field(soon.options.id, JobHashField.state) == "ready")
                #expect(try await fixture.score(fixture.keys.scheduled, soon.options.id) == nil)

                let last = try await fixture.broker.promoteDue(queue: fixture.queue, now: instant(200_000), limit: 100)
                #expect(last.moved == 1 && last.nextDue == nil)
                #expect(try await fixture.cardinality(fixture.keys.scheduled) == 0)
            }
        }
    }

    /// 100,000 jobs in one `enqueue` call (its own suite: it is the heaviest test and prints its time).
    @Suite struct BrokerBulkEnqueueTests {
        @Test func enqueuesOneHundredThousandJobsInOneCall() async throws {
            let count = 100_000
            try await BrokerFixture.with("bulk") { fixture in
                // Raw JSON instead of an encoder per request: the test measures the broker, not JSONEncoder.
                let requests = (0..<count).map { _ in JobRequest(name: IncrementCounter.jobName, payload: #"{"key":"unused"}"#) }
                let started = ContinuousClock.now
                let outcomes = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: Date())
                print("BrokerBulkEnqueueTests: enqueued \(count) jobs in one call in \(ContinuousClock.now - started)")
                #expect(outcomes == requests.map { EnqueueOutcome.enqueued($0.options.id) }, "every request enqueued, in order")

                #expect(try await fixture.length(fixture.keys.ready) == count)
                #expect(try await fixture.stat("enqueued") == count)
                // Oldest at the right: the first request is next.
                #expect(try await fixture.send(["LINDEX", fixture.keys.ready, "-1"]).string == requests[0].options.id.description)
                #expect(try await fixture.send(["LINDEX", fixture.keys.ready, "0"]).string == requests[count - 1].options.id.description)
                // Every id in ready has its hash, in state ready: counted inside Redis in one call.
                let withHash = try await fixture.send([
                    "EVAL",
                    """
                    local n = 0
                    for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
                      if redis.call('HGET', ARGV[1] .. id, 'state') == 'ready' then n = n + 1 end
                    end
                    return n
                    """,
                    "1", fixture.keys.ready, "\(fixture.keys.base):job:",
                ])
                #expect(withHash.int == count)

                // Clean up the hashes in batches (finish() then deletes the rest by name).
                for start in stride(from: 0, to: count, by: 1_000) {
                    let keys = requests[start..<min(start + 1_000, count)].map { fixture.keys.job($0.options.id) }
                    _ = try await fixture.send(["UNLINK"] + keys)
                }
                _ = try await fixture.send(["UNLINK", fixture.keys.ready, fixture.keys.stats])
            }
        }
    }
}
