import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// Input the broker refuses before touching Redis, and a Redis that answers with errors.
    @Suite struct BrokerBadInputTests {
        @Test(arguments: ["Bad Queue!", "", String(repeating: "a", count: 65), "UPPER", "a:b", "{q}"])
        func anInvalidQueueNameIsRefused(_ name: String) async throws {
            try await BrokerFixture.with("name") { fixture in
                let enqueueError = await #expect(throws: JobQueueError.self) {
                    _ = try await fixture.broker.enqueue([try fixture.request()], queue: name, now: Date())
                }
                #expect(enqueueError?.code == .invalidQueueName)
                let claimError = await #expect(throws: JobQueueError.self) {
                    _ = try await fixture.broker.claim(queue: name, worker: "w", limit: 1, leaseDuration: .seconds(1), wait: .zero, now: Date())
                }
                #expect(claimError?.code == .invalidQueueName)
                let pauseError = await #expect(throws: JobQueueError.self) { try await fixture.broker.setPaused(true, queue: name) }
                #expect(pauseError?.code == .invalidQueueName)
            }
        }

        @Test func theLongestAndShortestQueueNamesAreAccepted() throws {
            _ = try QueueKeys(queue: String(repeating: "a", count: 64))
            _ = try QueueKeys(queue: "a")
            _ = try QueueKeys(queue: "x_1-y")
        }

        @Test func aJobIDMustBeAUUID() throws {
            let error = #expect(throws: JobQueueError.self) { try JobID(parsing: "nope") }
            #expect(error?.code == .invalidJobID)
            let id = JobID()
            #expect(try JobID(parsing: id.description) == id)
        }

        @Test func aTooLargePayloadFailsTheWholeBatch() async throws {
            try await BrokerFixture.with("big", maximumPayloadBytes: 100) { (fixture: BrokerFixture) async throws in
                let fits = JobRequest(name: "test.small", payload: String(repeating: "x", count: 100))
                let tooLarge = JobRequest(name: "test.big", payload: String(repeating: "x", count: 101))
                let single = await #expect(throws: JobQueueError.self) { _ = try await fixture.broker.enqueue([tooLarge], queue: fixture.queue, now: Date()) }
                #expect(single?.code == .payloadTooLarge)

                let batch = (0..<5).map { _ in JobRequest(name: "test.small", payload: "{}") } + [fits, tooLarge]
                let error = await #expect(throws: JobQueueError.self) { _ = try await fixture.broker.enqueue(batch, queue: fixture.queue, now: Date()) }
                #expect(error?.code == .payloadTooLarge)
                #expect(try await fixture.length(fixture.keys.ready) == 0, "nothing enqueued")
                for request in batch { #expect(try await fixture.exists(fixture.keys.job(request.options.id)) == false) }
                #expect(try await fixture.exists(fixture.keys.stats) == false)

                // The limit itself is allowed.
                #expect(try await fixture.enqueue(fits) == .enqueued(fits.options.id))
            }
        }

        @Test(arguments: [0, 101, -1])
        func maxAttemptsOutsideOneToAHundredIsRefused(_ attempts: Int) async throws {
            try await BrokerFixture.with("att") { fixture in
                let request = try fixture.request(EnqueueOptions(maxAttempts: attempts))
                let error = await #expect(throws: JobQueueError.self) { _ = try await fixture.enqueue(request) }
                #expect(error?.code == .invalidArgument)
                #expect(try await fixture.exists(fixture.keys.job(request.options.id)) == false)
            }
        }

        @Test func claimRefusesABadLimitOrWait() async throws {
            try await BrokerFixture.with("claimarg") { fixture in
                _ = try await fixture.enqueue(try fixture.request())
                for (limit, wait) in [(0, Duration.zero), (1_001, .zero), (1, .seconds(3)), (1, .milliseconds(-1))] {
                    let error = await #expect(throws: JobQueueError.self) { _ = try await fixture.claim(limit, wait: wait) }
                    #expect(error?.code == .invalidArgument, "limit \(limit), wait \(wait)")
                }
                #expect(try await fixture.length(fixture.keys.ready) == 1, "nothing taken")
                #expect(try await fixture.length(fixture.keys.active) == 0)
            }
        }

        // MARK: - A Redis that answers with errors

        /// A queue key of the wrong type makes enqueue fail with `broker` (the WRONGTYPE detail kept), and nothing is
        /// half-written: no job hash, no unique lock, no counter.
        @Test(arguments: ["ready", "scheduled", "wake", "stats"])
        func enqueueIntoAWrongTypedKeyWritesNothing(_ which: String) async throws {
            try await BrokerFixture.with("wrong") { fixture in
                let keys = fixture.keys
                let key = ["ready": keys.ready, "scheduled": keys.scheduled, "wake": keys.wake, "stats": keys.stats][which]!
                _ = try await fixture.send(["SET", key, "x"])
                // A job for now goes to ready, one for later to scheduled (and, being the earliest, pushes to wake); each
                // also bumps stats.
                let runAt: Date? = which == "scheduled" || which == "wake" ? Date().addingTimeInterval(3_600) : nil
                let request = try fixture.request(EnqueueOptions(runAt: runAt, uniqueKey: "wrong-key"))
                let error = await #expect(throws: JobQueueError.self) { _ = try await fixture.enqueue(request) }
                #expect(error?.code == .broker)
                #expect(error?.detail?.contains("WRONGTYPE") == true, "\(String(describing: error))")

                #expect(try await fixture.exists(keys.job(request.options.id)) == false, "no job hash left behind")
                #expect(try await fixture.exists(keys.unique("wrong-key")) == false, "no unique lock left behind")
                #expect(try await fixture.send(["TYPE", keys.stats]).string == (which == "stats" ? "string" : "none"), "no counter")
                #expect(try await fixture.send(["GET", key]).string == "x", "the odd key is left as it was")

                // Once the key is right, the same request goes through: nothing blocks it (not even its own id).
                _ = try await fixture.send(["DEL", key])
                #expect(try await fixture.enqueue(request) == .enqueued(request.options.id))
                #expect(try await fixture.stat("enqueued") == 1)
            }
        }

        /// A wrong-typed `lease` key makes claim fail with `broker`, and the ready jobs stay where they were: not taken,
        /// not marked active, no attempt used. (`active` is not touched by a claim of what is ready.)
        @Test func claimWithAWrongTypedLeaseSetTakesNothing() async throws {
            try await BrokerFixture.with("wrongclaim") { fixture in
                let keys = fixture.keys
                let key = keys.lease
                let requests = try (0..<3).map { _ in try fixture.request() }
                _ = try await fixture.broker.enqueue(requests, queue: fixture.queue, now: Date())
                _ = try await fixture.send(["SET", key, "x"])

                let error = await #expect(throws: JobQueueError.self) { _ = try await fixture.claim(3) }
                #expect(error?.code == .broker)
                #expect(error?.detail?.contains("WRONGTYPE") == true, "\(String(describing: error))")
                #expect(try await fixture.list(keys.ready) == requests.reversed().map(\.options.id.description), "every id still in ready, in order")
                for request in requests {
                    #expect(try await fixture.field(request.options.id, JobHashField.state) == "ready")
                    #expect(try await fixture.field(request.options.id, JobHashField.attempt) == "0")
                }
                #expect(try await fixture.send(["GET", key]).string == "x")

                _ = try await fixture.send(["DEL", key])
                let jobs = try await fixture.claim(3)
                #expect(jobs.map(\.id) == requests.map(\.options.id) && jobs.allSatisfy { $0.attempt == 1 })
            }
        }
    }
}
