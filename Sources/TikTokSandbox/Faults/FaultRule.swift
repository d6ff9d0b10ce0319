/// The endpoints faults can target, by the names `POST /_sandbox/faults` uses.
enum FaultEndpoint: String, CaseIterable, Codable, Sendable {
    case token, revoke
    case creatorInfo = "creator_info"
    case videoInit = "video_init"
    case inboxInit = "inbox_init"
    case upload, status, cancel
}

/// What happens to a call whose response is dropped after the action was committed.
enum DropMode: String, Codable, Sendable {
    /// Close the connection: the client sees the connection end without a response.
    case close
    /// Hold the connection silent for `drop_hold_ms`, then close it: the client sees a timeout if its own is shorter.
    case timeout
}

/// The faults active on one endpoint.
struct FaultRule: Codable, Sendable, Equatable {
    /// Chance (0…1) that a call is answered with `errorStatus` before anything is done.
    var errorRate: Double = 0
    /// 500 (`internal_error` / `server_error`) or 503 (`temporarily_unavailable`).
    var errorStatus: Int = 500
    /// Added before every call.
    var latencyMs: Int = 0
    /// `open_id` (or `*` for everyone) → error code answered instead of the result.
    var forcedErrors: [String: String] = [:]
    /// `status` only: `open_id` (or `*`) → `fail_reason` that publishes end with.
    var failReasons: [String: String] = [:]
    /// The next this many calls perform their action, then lose their response.
    var dropResponses: Int = 0
    var dropMode: DropMode = .close
    var dropHoldMs: Int = 5_000

    enum CodingKeys: String, CodingKey {
        case errorRate = "error_rate", errorStatus = "error_status", latencyMs = "latency_ms", forcedErrors = "forced_errors"
        case failReasons = "fail_reasons", dropResponses = "drop_responses", dropMode = "drop_mode", dropHoldMs = "drop_hold_ms"
    }
}

/// The decision for one call before it runs.
struct FaultDecision: Sendable {
    var latency: Duration = .zero
    /// Answer this 5xx status at once.
    var failStatus: Int?
}
