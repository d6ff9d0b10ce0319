import ArgumentParser

/// One configurable value: its variable, its flag, its default and what it means. `config/reelay.example.env` lists
/// every entry of ``SettingsCatalog/all`` (a test keeps the two in step).
struct SettingDefinition: Sendable, Equatable {
    /// The environment variable, `REELAY_…`.
    var variable: String
    /// The command-line flag without its dashes.
    var flag: String
    /// The value used when nothing sets it.
    var defaultValue: String
    /// One sentence for `--help` and the example file.
    var help: String
    /// True for credentials and keys: their values are never printed (see ``displayed(_:)``).
    var isSecret = false
}

extension SettingDefinition {
    /// `value` as it may be printed: secrets become `<redacted>` (or `<unset>` when empty).
    func displayed(_ value: String) -> String {
        guard self.isSecret else { return value }
        return value.isEmpty ? "<unset>" : "<redacted>"
    }
}

extension SettingDefinition {
    /// The flag's `--help` text: meaning, variable and default, all from this definition.
    var argumentHelp: ArgumentHelp { ArgumentHelp("\(self.help) (env \(self.variable), default \(self.defaultValue))") }
}

/// Every setting Reelay reads, in the order the example file lists them.
enum SettingsCatalog {
    static let redisURL = SettingDefinition(
        variable: "REELAY_REDIS_URL", flag: "redis-url", defaultValue: "redis://127.0.0.1:6379",
        help: "Redis broker: redis://[user:password@]host:port[/db] or unix:///path/to/redis.sock[?db=N].")
    static let redisPoolSize = SettingDefinition(
        variable: "REELAY_REDIS_POOL_SIZE", flag: "redis-pool-size", defaultValue: "8",
        help: "Redis connections for ordinary commands (blocking pops use their own, extra connections).")
    static let redisConnectTimeout = SettingDefinition(
        variable: "REELAY_REDIS_CONNECT_TIMEOUT", flag: "redis-connect-timeout", defaultValue: "2s",
        help: "Longest wait for one Redis connect (units: ms, s, m).")
    static let redisCommandTimeout = SettingDefinition(
        variable: "REELAY_REDIS_COMMAND_TIMEOUT", flag: "redis-command-timeout", defaultValue: "5s",
        help: "Longest wait for one Redis reply before the connection is dropped.")
    static let databaseURL = SettingDefinition(
        variable: "REELAY_DATABASE_URL", flag: "database-url", defaultValue: "postgres://reelay@127.0.0.1:5432/reelay",
        help: "PostgreSQL: postgres://user[:password]@host:port/dbname or a libpq keyword string.")
    static let databasePoolSize = SettingDefinition(
        variable: "REELAY_DATABASE_POOL_SIZE", flag: "database-pool-size", defaultValue: "8",
        help: "PostgreSQL connections per process.")
    static let databaseConnectTimeout = SettingDefinition(
        variable: "REELAY_DATABASE_CONNECT_TIMEOUT", flag: "database-connect-timeout", defaultValue: "5s",
        help: "Longest wait for one PostgreSQL connect; also how long a pool keeps retrying an unreachable server.")
    static let logLevel = SettingDefinition(
        variable: "REELAY_LOG_LEVEL", flag: "log-level", defaultValue: "info",
        help: "Least severe log level printed: trace, debug, info, notice, warning, error or critical.")
    static let logFormat = SettingDefinition(
        variable: "REELAY_LOG_FORMAT", flag: "log-format", defaultValue: "json",
        help: "Log lines on standard error: json (one object per line, with request, job, post and account ids) or text.")
    static let otlpEndpoint = SettingDefinition(
        variable: "REELAY_OTLP_ENDPOINT", flag: "otlp-endpoint", defaultValue: "",
        help: "OTLP/HTTP collector base URL for traces, e.g. http://otel-collector:4318 (spans go to /v1/traces as JSON); empty: no tracing.")
    static let metricsPort = SettingDefinition(
        variable: "REELAY_METRICS_PORT", flag: "metrics-port", defaultValue: "0",
        help: "Port of the /metrics (Prometheus) and /healthz server of `reelay worker` and `reelay scheduler` on every interface (0: none; the API serves /metrics on its own port).")

    static let workerQueues = SettingDefinition(
        variable: "REELAY_WORKER_QUEUES", flag: "queues", defaultValue: "publish",
        help: "Queues a worker takes jobs from, comma-separated, each optionally with a weight: publish:3,bulk:1.")
    static let workerStrictPriority = SettingDefinition(
        variable: "REELAY_WORKER_STRICT_PRIORITY", flag: "strict-priority", defaultValue: "false",
        help: "true: always take from the first listed queue that has work; false: pick queues by weight.")
    static let workerConcurrency = SettingDefinition(
        variable: "REELAY_WORKER_CONCURRENCY", flag: "concurrency", defaultValue: "8",
        help: "Jobs one worker process runs at the same time.")
    static let workerPrefetch = SettingDefinition(
        variable: "REELAY_WORKER_PREFETCH", flag: "prefetch", defaultValue: "0",
        help: "Jobs a worker takes ahead of its free slots and keeps, leased, until one frees (0: none; for many short jobs).")
    static let workerCompletionLinger = SettingDefinition(
        variable: "REELAY_WORKER_COMPLETION_LINGER", flag: "completion-linger", defaultValue: "2ms",
        help: "Under load, how long a worker waits after writing completions before the next write, so one Redis call records more jobs (0 to 500ms).")
    static let resultsMaxLength = SettingDefinition(
        variable: "REELAY_RESULTS_MAX_LENGTH", flag: "results-max-length", defaultValue: "100000",
        help: "Entries kept per queue's results stream (trimmed on append; one event, or one ack batch of completions, about 104 bytes an event); the recorder must keep up within it.")
    static let workerLease = SettingDefinition(
        variable: "REELAY_WORKER_LEASE", flag: "lease", defaultValue: "30s",
        help: "A job whose worker stops renewing its lease for this long goes back to the queue (renewed every third of it).")
    static let workerShutdownGrace = SettingDefinition(
        variable: "REELAY_WORKER_SHUTDOWN_GRACE", flag: "shutdown-grace", defaultValue: "25s",
        help: "On SIGTERM, how long running jobs may take to finish before they are put back without using an attempt.")
    static let workerJobTimeout = SettingDefinition(
        variable: "REELAY_WORKER_JOB_TIMEOUT", flag: "job-timeout", defaultValue: "5m",
        help: "A run's timeout when the job sets none.")

    static let workerMaintenance = SettingDefinition(
        variable: "REELAY_WORKER_MAINTENANCE", flag: "maintenance", defaultValue: "true",
        help: "true: the worker also promotes due retries, recovers expired leases and trims dead jobs of its queues (safe with many workers).")

    static let mediaRoot = SettingDefinition(
        variable: "REELAY_MEDIA_ROOT", flag: "media-root", defaultValue: "media",
        help: "Folder holding the media files; every media path is relative to it and nothing outside it is read.")

    static let mediaCacheDir = SettingDefinition(
        variable: "REELAY_MEDIA_CACHE_DIR", flag: "media-cache-dir", defaultValue: "media-cache",
        help: "Worker folder for copies of media downloaded from the API's signed URLs when the media root lacks the file (hosts without a shared volume).")
    static let mediaCacheMaxBytes = SettingDefinition(
        variable: "REELAY_MEDIA_CACHE_MAX_BYTES", flag: "media-cache-max-bytes", defaultValue: "10737418240",
        help: "Largest total size of the worker's media cache; least recently used files not being uploaded are evicted first.")

    static let tiktokAPIURL = SettingDefinition(
        variable: "REELAY_TIKTOK_API_URL", flag: "tiktok-api-url", defaultValue: "https://open.tiktokapis.com",
        help: "TikTok API base URL (OAuth token and Content Posting endpoints); point it at `reelay sandbox` for local runs.")
    static let tiktokAuthURL = SettingDefinition(
        variable: "REELAY_TIKTOK_AUTH_URL", flag: "tiktok-auth-url", defaultValue: "https://www.tiktok.com",
        help: "Base URL of TikTok's authorization page (/v2/auth/authorize/), opened in the account owner's browser.")
    static let tiktokClientKey = SettingDefinition(
        variable: "REELAY_TIKTOK_CLIENT_KEY", flag: "tiktok-client-key", defaultValue: "",
        help: "The TikTok app's client key; empty = TikTok not configured.")
    static let tiktokClientSecret = SettingDefinition(
        variable: "REELAY_TIKTOK_CLIENT_SECRET", flag: "tiktok-client-secret", defaultValue: "",
        help: "The TikTok app's client secret (secret: set it in the environment or a private file, never printed).",
        isSecret: true)
    static let tiktokRedirectURI = SettingDefinition(
        variable: "REELAY_TIKTOK_REDIRECT_URI", flag: "tiktok-redirect-uri", defaultValue: "",
        help: "OAuth redirect URI registered with the TikTok app (https; http only for localhost); empty = <REELAY_PUBLIC_URL>/oauth/tiktok/callback.")
    static let encryptionKey = SettingDefinition(
        variable: "REELAY_ENCRYPTION_KEY", flag: "encryption-key", defaultValue: "",
        help: "AES-256 keys for stored tokens, id:base64(32 bytes), comma-separated, newest first (it encrypts; all decrypt), e.g. k2:…,k1:… (secret).",
        isSecret: true)

    static let apiHost = SettingDefinition(
        variable: "REELAY_API_HOST", flag: "api-host", defaultValue: "127.0.0.1",
        help: "Address `reelay api` binds (0.0.0.0 for every interface).")
    static let apiPort = SettingDefinition(
        variable: "REELAY_API_PORT", flag: "api-port", defaultValue: "8080", help: "Port `reelay api` listens on.")
    static let publicURL = SettingDefinition(
        variable: "REELAY_PUBLIC_URL", flag: "public-url", defaultValue: "http://127.0.0.1:8080",
        help: "Base URL people, TikTok and workers reach the API at: the OAuth redirect URI and signed media URLs are built on it.")
    static let apiCORSOrigins = SettingDefinition(
        variable: "REELAY_API_CORS_ORIGINS", flag: "cors-origins", defaultValue: "",
        help: "Origins allowed to call the API from a browser, comma-separated (empty: none).")
    static let apiRateLimit = SettingDefinition(
        variable: "REELAY_API_RATE_LIMIT", flag: "rate-limit", defaultValue: "1200",
        help: "Requests per API key per minute, shared by every API process (0: no limit); over it, 429 with Retry-After.")
    static let apiQueue = SettingDefinition(
        variable: "REELAY_API_QUEUE", flag: "api-queue", defaultValue: "publish",
        help: "The queue the API enqueues publish jobs on and whose results its recorder applies; workers must take from it.")
    static let apiMaxBody = SettingDefinition(
        variable: "REELAY_API_MAX_BODY", flag: "max-body", defaultValue: "8388608",
        help: "Largest JSON or CSV request body in bytes; larger gets 413.")
    static let mediaMaxBytes = SettingDefinition(
        variable: "REELAY_MEDIA_MAX_BYTES", flag: "media-max-bytes", defaultValue: "1073741824",
        help: "Largest media upload in bytes (TikTok takes up to 4 GB); larger gets 413 and nothing is kept.")

    static let schedulerQueues = SettingDefinition(
        variable: "REELAY_SCHEDULER_QUEUES", flag: "scheduler-queues", defaultValue: "publish",
        help: "Queues the leading scheduler maintains (promotes due jobs, recovers leases, trims, reconciles the outbox), comma-separated.")
    static let schedulerLease = SettingDefinition(
        variable: "REELAY_SCHEDULER_LEASE", flag: "scheduler-lease", defaultValue: "10s",
        help: "The leader's Redis lease (renewed every third of it): a standby takes over at most this long after the leader dies.")
    static let schedulerLookAhead = SettingDefinition(
        variable: "REELAY_SCHEDULER_LOOK_AHEAD", flag: "look-ahead", defaultValue: "2m",
        help: "Timed posts due within this window are loaded into Redis with their exact run time, so they fire to the millisecond (2s to 1d).")
    static let schedulerMisfireWindow = SettingDefinition(
        variable: "REELAY_SCHEDULER_MISFIRE_WINDOW", flag: "misfire-window", defaultValue: "10m",
        help: "After downtime, a timed post due at most this long ago fires late; one due longer ago becomes `missed` with the reason.")
    static let schedulerOutboxGrace = SettingDefinition(
        variable: "REELAY_SCHEDULER_OUTBOX_GRACE", flag: "outbox-grace", defaultValue: "60s",
        help: "A post queued in PostgreSQL this long that Redis does not know (and that never ran) is pushed again.")
    static let schedulerRefreshAhead = SettingDefinition(
        variable: "REELAY_SCHEDULER_REFRESH_AHEAD", flag: "refresh-ahead", defaultValue: "1h",
        help: "Access tokens expiring within this window are refreshed by the leader (single-flight per account).")

    /// The settings every subcommand takes (``GlobalOptions``).
    static let global: [SettingDefinition] = [
        redisURL, redisPoolSize, redisConnectTimeout, redisCommandTimeout,
        databaseURL, databasePoolSize, databaseConnectTimeout, logLevel, logFormat, otlpEndpoint,
    ]

    /// The metrics server of `reelay worker` and `reelay scheduler`.
    static let metrics: [SettingDefinition] = [metricsPort]

    /// The settings of `reelay worker`.
    static let worker: [SettingDefinition] = [
        workerQueues, workerStrictPriority, workerConcurrency, workerPrefetch, workerCompletionLinger, workerLease, workerShutdownGrace,
        workerJobTimeout, workerMaintenance, mediaRoot, mediaCacheDir, mediaCacheMaxBytes, resultsMaxLength,
    ]

    /// The settings of the TikTok client and the token encryption (api, worker, scheduler).
    static let tiktok: [SettingDefinition] = [
        tiktokAPIURL, tiktokAuthURL, tiktokClientKey, tiktokClientSecret, tiktokRedirectURI, encryptionKey,
    ]

    /// The settings of `reelay api` (it also reads ``mediaRoot`` and ``resultsMaxLength``).
    static let api: [SettingDefinition] = [apiHost, apiPort, publicURL, apiCORSOrigins, apiRateLimit, apiQueue, apiMaxBody, mediaMaxBytes]

    /// The settings of `reelay scheduler` (it also reads ``publicURL`` to sign media URLs and the TikTok settings).
    static let scheduler: [SettingDefinition] = [
        schedulerQueues, schedulerLease, schedulerLookAhead, schedulerMisfireWindow, schedulerOutboxGrace, schedulerRefreshAhead,
    ]

    /// All settings.
    static let all: [SettingDefinition] = global + metrics + worker + tiktok + api + scheduler
}
