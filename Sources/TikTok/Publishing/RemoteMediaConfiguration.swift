/// The bounded local cache a worker without the shared media root downloads media into.
public struct RemoteMediaConfiguration: Sendable {
    /// The cache folder (created when missing). Files are named `<sha256>-<size>`; `*.part` are downloads in progress.
    public var directory: String
    /// Most bytes kept; least-recently-used files not in use are evicted to make room.
    public var maxBytes: Int64
    /// Longest whole download.
    public var downloadTimeout: Duration = .seconds(3600)
    /// Longest wait for the connection.
    public var connectTimeout: Duration = .seconds(10)
    /// Longest silence while reading the body.
    public var readTimeout: Duration = .seconds(60)

    /// A cache in `directory` holding at most `maxBytes`.
    public init(directory: String, maxBytes: Int64) {
        self.directory = directory
        self.maxBytes = maxBytes
    }
}
