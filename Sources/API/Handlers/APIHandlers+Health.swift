import Foundation
import JobQueue
import Postgres
import Redis
import HTTPTypes
import OpenAPIRuntime
import Publishing

/// The health routes: liveness (the process answers) and readiness (PostgreSQL and Redis answer).
extension APIHandlers {
    func healthz(_ input: Operations.Healthz.Input) async throws -> Operations.Healthz.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func readyz(_ input: Operations.Readyz.Input) async throws -> Operations.Readyz.Output {
        async let postgres: Bool = (try? await self.postgres.query("SELECT 1")) != nil
        async let redis: Bool = (try? await self.redis.send(["PING"])) != nil
        let (postgresUp, redisUp) = await (postgres, redis)
        let checks = Components.Schemas.Health.ChecksPayload(postgres: postgresUp ? .ok : .unavailable, redis: redisUp ? .ok : .unavailable)
        let scheduler = redisUp ? await self.schedulerHealth() : nil
        if postgresUp && redisUp { return .ok(.init(body: .json(.init(status: .ok, checks: checks, scheduler: scheduler)))) }
        return .serviceUnavailable(.init(body: .json(.init(status: .unavailable, checks: checks, scheduler: scheduler))))
    }

    /// What the leading scheduler last published (informational: it does not change readiness).
    func schedulerHealth() async -> Components.Schemas.Health.SchedulerPayload? {
        guard let now = try? await self.clock.now(), let report = try? await SchedulerReport.read(redis: self.redis, now: now) else { return nil }
        return .init(
            status: .init(rawValue: report.state) ?? .stale, leader: report.leader, fencingToken: report.fencingToken.map(Int.init),
            lagMs: report.lagMilliseconds.map(Int.init), stuckPastDue: report.stuckPastDue.map(Int.init),
            recorderLagMs: report.recorderLagMilliseconds.map(Int.init), updatedMsAgo: report.updatedMillisecondsAgo.map(Int.init))
    }
}
