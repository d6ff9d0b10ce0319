import Foundation
import Postgres
import Redis
import HTTPTypes
import OpenAPIRuntime

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
        if postgresUp && redisUp { return .ok(.init(body: .json(.init(status: .ok, checks: checks)))) }
        return .serviceUnavailable(.init(body: .json(.init(status: .unavailable, checks: checks))))
    }
}
