public import Logging
public import Postgres
public import Redis
public import ServiceLifecycle
public import TikTok
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime

/// `reelay api`'s HTTP server: the routes generated from `OpenAPI/openapi.yaml` behind request ids, CORS, error
/// answers, body limits, API keys, the per-key rate limit and idempotency keys; plus `/openapi.json` and `/docs`. A
/// swift-service-lifecycle `Service`: it serves until graceful shutdown. Its clients (PostgreSQL, Redis, TikTok) are
/// services of the same group, started before it.
public final class APIServer: Service, Sendable {
    /// How it serves.
    public let configuration: APIConfiguration
    private let handlers: APIHandlers
    private let logger: Logger
    private let port = BoundPort()

    /// A server over the given clients; `cipher` seals account tokens at rest.
    public init(
        configuration: APIConfiguration, postgres: PostgresClient, redis: RedisClient, tiktok: TikTokClient, cipher: TokenCipher,
        logger: Logger
    ) {
        self.configuration = configuration
        self.logger = logger
        self.handlers = APIHandlers(
            configuration: configuration, postgres: postgres, redis: redis, tiktok: tiktok, cipher: cipher,
            clock: RedisClock(client: redis), keyCache: APIKeyCache(lifetime: configuration.apiKeyCacheLifetime), logger: logger)
    }

    /// Binds and serves until graceful shutdown.
    public func run() async throws {
        let router = try self.router()
        let port = self.port
        let logger = self.logger
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(self.configuration.host, port: self.configuration.port), serverName: "reelay"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("api listening", metadata: ["port": "\(bound)"])
                port.fulfil(bound)
            },
            logger: self.logger)
        do {
            // The application as a service of the caller's group (not `runService()`, which would install its own SIGTERM
            // handling and stop the server before the group's turn for it, failing `reelay dev`'s orderly shutdown).
            try await application.run()
        } catch {
            port.fail(error)
            throw error
        }
    }

    /// The bound port, once listening (the real one when the configuration says 0).
    public func listeningPort() async throws -> Int { try await self.port.value() }

    func router() throws -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let handlers = self.handlers
        let configuration = self.configuration
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(MetricsMiddleware())
        // A server span per request (the caller's traceparent header continues its trace); query parameters that are
        // credentials (the OAuth callback's code and state, a media URL's signature) are redacted from its attributes.
        if configuration.tracing {
            router.middlewares.add(TracingMiddleware(redactingQueryParameters: ["code", "state", "signature"]))
            router.middlewares.add(PostTraceMiddleware())
        }
        if !configuration.corsOrigins.isEmpty {
            router.middlewares.add(
                CORSMiddleware(
                    allowOrigin: .custom(configuration.corsOrigins.joined(separator: " ")),
                    allowHeaders: [.accept, .authorization, .contentType, .origin, HTTPField.Name("Idempotency-Key")!, HTTPField.Name("X-Request-Id")!],
                    allowMethods: [.get, .post, .patch, .delete, .head, .options],
                    exposedHeaders: ["X-Request-Id", "Retry-After", "Idempotent-Replayed"]))
        }
        router.middlewares.add(ErrorMiddleware(routes: KnownRoutes(document: StaticDocuments.openAPI)))
        router.middlewares.add(BodyLimitMiddleware(maxBody: configuration.maxBody, maxUpload: configuration.maxUpload))
        router.middlewares.add(APIKeyMiddleware(keys: APIKeyRepository(client: handlers.postgres), cache: handlers.keyCache))
        router.middlewares.add(
            RateLimitMiddleware(
                limiter: RateLimiter(client: handlers.redis), clock: handlers.clock, limit: configuration.requestsPerMinute, window: .seconds(60)))
        router.middlewares.add(IdempotencyMiddleware(records: IdempotencyRepository(client: handlers.postgres), clock: handlers.clock, maxBody: configuration.maxBody))
        try handlers.registerHandlers(
            on: router, serverURL: URL(string: "/")!, configuration: Configuration(dateTranscoder: LenientDateTranscoder()),
            middlewares: [
                EmptyBodyMiddleware(),
                RequestSchemaMiddleware(validator: RequestSchemaValidator(document: StaticDocuments.openAPI), maxBody: configuration.maxBody),
            ])
        let document = StaticDocuments.openAPI
        let page = StaticDocuments.docs
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }
        router.get("/docs") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: page)))
        }
        if let exposition = configuration.metricsExposition {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: exposition())))
            }
        }
        DashboardFiles.register(on: router)
        return router
    }
}

/// The OpenAPI document and the reference page, shipped as the module's resources.
enum StaticDocuments {
    static let openAPI: Data = Self.load("openapi", "json")
    static let docs: Data = Self.load("docs", "html")

    private static func load(_ name: String, _ ext: String) -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext), let data = try? Data(contentsOf: url) else {
            return Data("{}".utf8)
        }
        return data
    }
}
