import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import Postgres
import Redis
import TikTok

/// The implementation of the routes generated from `OpenAPI/openapi.yaml`: one extension per tag
/// (`APIHandlers+Accounts.swift`, …). Handlers translate between the generated types and Domain, throw ``APIError``
/// (or ``DomainError``) for every refusal, and read the caller from ``Caller/current``.
struct APIHandlers: APIProtocol {
    let configuration: APIConfiguration
    let postgres: PostgresClient
    let redis: RedisClient
    let tiktok: TikTokClient
    let cipher: TokenCipher
    let clock: RedisClock
    let keyCache: APIKeyCache
    let logger: Logger
}
