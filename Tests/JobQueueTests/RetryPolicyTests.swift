import JobQueue
import Testing

@Suite struct RetryPolicyTests {
    @Test func ceilingsDoubleUpToTheCap() {
        let policy = RetryPolicy(base: .seconds(1), cap: .seconds(10))
        #expect(policy.delay(afterAttempt: 1, unit: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, unit: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 4, unit: 1) == .seconds(8))
        #expect(policy.delay(afterAttempt: 5, unit: 1) == .seconds(10))
        #expect(policy.delay(afterAttempt: 500, unit: 1) == .seconds(10))
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let policy = RetryPolicy(base: .seconds(2), cap: .seconds(60))
        #expect(policy.delay(afterAttempt: 3, unit: 0) == .zero)
        #expect(policy.delay(afterAttempt: 3, unit: 0.5) == .seconds(4))
        let delays = (0..<200).map { _ in policy.delay(afterAttempt: 3) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(8) })
        #expect(Set(delays).count > 100, "random, not fixed")
    }
}

@Suite struct JobIdentityTests {
    @Test func parsesAndPrintsLowercase() throws {
        let id = try JobID(parsing: "3F2C6A8E-1B2C-4D5E-8F90-1234567890AB")
        #expect(id.description == "3f2c6a8e-1b2c-4d5e-8f90-1234567890ab")
        #expect(throws: JobQueueError.self) { try JobID(parsing: "not-a-uuid") }
    }

    @Test(arguments: ["", "Upper", "has space", "{brace}", String(repeating: "q", count: 65), "ünï"])
    func rejectsBadQueueNames(_ name: String) {
        #expect(throws: JobQueueError.self) { try QueueKeys(queue: name) }
    }

    @Test func keysShareTheQueueHashTag() throws {
        let keys = try QueueKeys(queue: "publish")
        let id = JobID()
        for key in [keys.ready, keys.active, keys.lease, keys.scheduled, keys.dead, keys.paused, keys.results, keys.job(id)] {
            #expect(key.hasPrefix("reelay:{publish}:"))
        }
    }
}
