/// Why a ``SandboxServer`` cannot run or answer ``SandboxServer/listeningPort()``.
public struct SandboxServerError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        /// The state file cannot be read or written.
        case stateFile
        /// The server is not running (it stopped, or failed to start).
        case stopped
        /// The configuration cannot be used.
        case configuration
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for an operator (never holds a token or secret).
    public var detail: String

    /// An error of `code` with `detail`.
    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "SandboxServerError(\(self.code.rawValue)): \(self.detail)" }
}
