/// Why the worker-side token cache failed. Never holds a token.
public struct TokenCacheError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable { case invalidAccountID, invalidArgument, broker, encryption }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The account id is not a UUID.
        public static let invalidAccountID = Code(.invalidAccountID)
        /// An empty token or open id.
        public static let invalidArgument = Code(.invalidArgument)
        /// Redis failed or answered with an error.
        public static let broker = Code(.broker)
        /// The token could not be encrypted.
        public static let encryption = Code(.encryption)
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Detail for operators: the Redis error or the cipher error code.
    public var detail: String?

    /// An error with its code and optional detail.
    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { self.detail.map { "TokenCacheError(\(self.code)): \($0)" } ?? "TokenCacheError(\(self.code))" }
}
