/// Where and how a ``RedisClient`` connects, with its pool sizes and timeouts.
///
/// Build one from a URL with ``init(url:)``, then adjust fields. Its `description` is ``redacted``: the password never
/// appears in it.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where the server listens.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// A TCP host name or address and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket path.
        case unix(path: String)

        /// `host:port` or the socket path: what error messages name.
        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): path
            }
        }
    }

    /// Where the server listens. Default `127.0.0.1:6379`.
    public var endpoint: Endpoint = .tcp(host: "127.0.0.1", port: 6379)
    /// The ACL user name sent with `AUTH user password`; `nil` sends `AUTH password`. Default `nil`.
    public var username: String?
    /// The password sent with `AUTH` on connect; `nil` sends no `AUTH`. Default `nil`.
    public var password: String?
    /// The database selected with `SELECT` on connect. Default `0` (no `SELECT` sent).
    public var database: Int = 0
    /// How long opening a socket may take. Default 2 s.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a reply (or a whole pipeline's replies, one by one) may take. Default 5 s.
    public var commandTimeout: Duration = .seconds(5)
    /// Connections for ordinary commands. Default 8.
    public var poolSize: Int = 8
    /// Connections for blocking commands (``RedisClient/blocking(_:)-(RedisCommand)``), a pool of their own. Default 4.
    public var blockingPoolSize: Int = 4
    /// How long a command waits for a free connection, or keeps retrying a failed connect, before it fails. Default 5 s.
    public var acquireTimeout: Duration = .seconds(5)
    /// Whether TCP keepalive is turned on for each connection. Default `true`.
    public var keepAlive: Bool = true
    /// The longest server-side timeout a blocking command may ask for. 2 s, so shutdown is never delayed longer.
    public static let maximumBlockingTimeout: Duration = .seconds(2)
    /// What the socket read timeout of a blocking command adds to its server-side timeout. Default 1 s.
    public var blockingReadMargin: Duration = .seconds(1)

    /// The defaults: `127.0.0.1:6379`, database 0, no credentials.
    public init() {}

    /// A configuration for `endpoint`, with the other fields at their defaults.
    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }

    /// The connection URL with the password replaced by `***`, for logs.
    public var redacted: String {
        var credentials = ""
        if self.username != nil || self.password != nil {
            credentials = (self.username.map(Self.percentEncoded) ?? "") + (self.password == nil ? "" : ":***") + "@"
        }
        switch self.endpoint {
        case .tcp:
            return "redis://\(credentials)\(self.endpoint)" + (self.database == 0 ? "" : "/\(self.database)")
        case .unix(let path):
            return "unix://\(credentials)\(path)" + (self.database == 0 ? "" : "?db=\(self.database)")
        }
    }

    /// The ``redacted`` URL.
    public var description: String { self.redacted }

    /// The ``redacted`` URL with the timeouts and pool sizes.
    public var debugDescription: String {
        "RedisConfiguration(\(self.redacted), connectTimeout: \(self.connectTimeout), commandTimeout: \(self.commandTimeout), "
            + "poolSize: \(self.poolSize), blockingPoolSize: \(self.blockingPoolSize), acquireTimeout: \(self.acquireTimeout))"
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0x0F)])"
            }
        }
        return out
    }
}
