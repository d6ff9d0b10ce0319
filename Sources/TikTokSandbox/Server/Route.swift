import HTTPTypes
import Hummingbird

/// Every path the sandbox serves. Paths match with or without their trailing slash.
enum Route: Equatable {
    case authorize, token, revoke
    case creatorInfo, videoInit, inboxInit, status, cancel
    case upload
    case creators, posts, faults, tokens
    case notFound

    init(path: String) {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        switch trimmed {
        case "/v2/auth/authorize": self = .authorize
        case "/v2/oauth/token": self = .token
        case "/v2/oauth/revoke": self = .revoke
        case "/v2/post/publish/creator_info/query": self = .creatorInfo
        case "/v2/post/publish/video/init": self = .videoInit
        case "/v2/post/publish/inbox/video/init": self = .inboxInit
        case "/v2/post/publish/status/fetch": self = .status
        case "/v2/post/publish/cancel": self = .cancel
        case "/upload": self = .upload
        case "/_sandbox/creators": self = .creators
        case "/_sandbox/posts": self = .posts
        case "/_sandbox/faults": self = .faults
        case "/_sandbox/tokens": self = .tokens
        default: self = .notFound
        }
    }

    /// The methods the route answers.
    var methods: [HTTPRequest.Method] {
        switch self {
        case .authorize, .posts: [.get]
        case .token, .revoke, .creatorInfo, .videoInit, .inboxInit, .status, .cancel, .tokens: [.post]
        case .upload: [.put]
        case .creators: [.get, .post]
        case .faults: [.get, .post, .delete]
        case .notFound: []
        }
    }

    /// The name faults use for this route, if faults apply to it.
    var faultEndpoint: FaultEndpoint? {
        switch self {
        case .token: .token
        case .revoke: .revoke
        case .creatorInfo: .creatorInfo
        case .videoInit: .videoInit
        case .inboxInit: .inboxInit
        case .status: .status
        case .cancel: .cancel
        case .upload: .upload
        default: nil
        }
    }
}
