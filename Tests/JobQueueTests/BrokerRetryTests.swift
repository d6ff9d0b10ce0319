import Foundation
import JobQueue
import Redis
import TestSupport
import Testing

extension BrokerLifeCycleTests {
    /// Failed runs and snoozes against a real Redis, on the broker's own clock.
    @Suite struct BrokerRetryTests {
        @Test func aFailureWithAttemptsLeftIsRetriedThenDiesWhenOutOfAttempts() async throws {
            try await BrokerFixture.with("retry") { fixture in
                let broker = fixture.broker
                let request = try fixture.request(EnqueueOptions(maxAttempts: 2))
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))

                let first = try #require(try await fixture.claim(now: instant(1_000)).first)
                #expect(first.attempt == 1 && first.maxAttempts == 2)
                let retryAt = instant(11_000)
                #expect(try await broker.fail(first, error: "boom 1", permanent: false, retryAt: retryAt, now: instant(1_500)) == .scheduled)
                #expect(try await fixture.score(fixture.keys.scheduled, id) == milliseconds(retryAt))
                let hash = try await fixture.hash(id)
                #expect(hash[JobHashField.state] == "scheduled" && hash[JobHashField.lastError] == "boom 1" && hash[JobHashField.token] == nil)
                #expect(hash[JobHashField.runAt] == String(milliseconds(retryAt)))
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                #expect(try await fixture.stat("retried") == 1)
                #expect(try await fixture.stat("failed") == 1)
                let retrying = try await fixture.events("retrying", of: id)
                #expect(retrying.count == 1)
                #expect(retrying.first?[ResultEventField.runAt] == String(milliseconds(retryAt)) && retrying.first?[ResultEventField.attempt] == "1")
                #expect(retrying.first?[ResultEventField.error] == "boom 1")

                #expect(try await fixture.claim(now: instant(5_000)).isEmpty, "not before its retry-at")
                #expect(try await broker.promoteDue(queue: fixture.queue, now: instant(10_999), limit: 10).moved == 0)
                #expect(try await broker.promoteDue(queue: fixture.queue, now: retryAt, limit: 10).moved == 1)
                let second = try #require(try await fixture.claim(now: instant(12_000)).first)
                #expect(second.id == id && second.attempt == 2)
                #expect(try await broker.fail(second, error: "boom 2", permanent: false, retryAt: instant(20_000), now: instant(12_500)) == .dead)
                #expect(try await fixture.score(fixture.keys.dead, id) == milliseconds(instant(12_500)))
                #expect(try await fixture.score(fixture.keys.scheduled, id) == nil)
                #expect(try await fixture.field(id, JobHashField.state) == "dead")
                #expect(try await fixture.field(id, JobHashField.lastError) == "boom 2")
                #expect(try await fixture.events("dead", of: id).count == 1)
                #expect(try await fixture.stat("dead") == 1)
                #expect(try await fixture.stat("retried") == 1)
                #expect(try await fixture.stat("failed") == 2)
            }
        }

        @Test func aPermanentFailureIsDeadAtOnce() async throws {
            try await BrokerFixture.with("perm") { fixture in
                let request = try fixture.request(EnqueueOptions(maxAttempts: 5, uniqueKey: "perm-key"))
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))
                let job = try #require(try await fixture.claim(now: instant(1_000)).first)
                #expect(
                    try await fixture.broker.fail(job, error: "privacy mismatch", permanent: true, retryAt: instant(9_000), now: instant(2_000)) == .dead)
                #expect(try await fixture.score(fixture.keys.dead, id) == milliseconds(instant(2_000)))
                #expect(try await fixture.cardinality(fixture.keys.scheduled) == 0)
                #expect(try await fixture.field(id, JobHashField.state) == "dead")
                #expect(try await fixture.field(id, JobHashField.attempt) == "1")
                #expect(try await fixture.events("dead", of: id).first?[ResultEventField.error] == "privacy mismatch")
                #expect(try await fixture.events("retrying", of: id).isEmpty)
                #expect(try await fixture.stat("dead") == 1)
                #expect(try await fixture.stat("retried") == 0)
                #expect(try await fixture.exists(fixture.keys.unique("perm-key")) == false)
            }
        }

        @Test func aSnoozeSchedulesTheJobWithoutUsingAnAttempt() async throws {
            try await BrokerFixture.with("snooze") { fixture in
                let broker = fixture.broker
                let request = try fixture.request(EnqueueOptions(maxAttempts: 1))
                let id = request.options.id
                _ = try await fixture.enqueue(request, now: instant(0))
                let first = try #require(try await fixture.claim(now: instant(1_000)).first)
                #expect(first.attempt == 1)
                let until = instant(31_000)
                try await broker.snooze(first, until: until, now: instant(1_200))
                #expect(try await fixture.score(fixture.keys.scheduled, id) == milliseconds(until))
                #expect(try await fixture.field(id, JobHashField.state) == "scheduled")
                #expect(try await fixture.field(id, JobHashField.attempt) == "0")
                #expect(try await fixture.length(fixture.keys.active) == 0)
                #expect(try await fixture.cardinality(fixture.keys.lease) == 0)
                #expect(try await fixture.events("snoozed", of: id).first?[ResultEventField.runAt] == String(milliseconds(until)))
                #expect(try await fixture.stat("failed") == 0)
                #expect(try await fixture.stat("retried") == 0)

                #expect(try await broker.promoteDue(queue: fixture.queue, now: until, limit: 10).moved == 1)
                let second = try #require(try await fixture.claim(now: instant(32_000)).first)
                #expect(second.id == id && second.attempt == 1, "the snoozed run gave its attempt back")
                // With one attempt allowed, a failure now is final: the snooze did not leave an extra one either.
                #expect(try await broker.fail(second, error: "x", permanent: false, retryAt: instant(40_000), now: instant(33_000)) == .dead)
            }
        }
    }
}
