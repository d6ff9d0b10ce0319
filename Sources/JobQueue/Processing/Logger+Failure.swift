public import Logging

extension Logger {
    /// Logs `message` at `level` with the error's generic `description` under `error`, and, when debug logging is on,
    /// the same message at debug with the error's `debugDescription` (Redis's messages, reply rows): details never
    /// reach the info, notice or warning lines an operator ships.
    public func failure(_ level: Logger.Level, _ message: Logger.Message, error: any Error, metadata: Logger.Metadata = [:]) {
        self.log(level: level, message, metadata: metadata.merging(["error": "\(error)"]) { $1 })
        guard self.logLevel <= .debug else { return }
        self.debug("\(message) (detail)", metadata: metadata.merging(["error": "\(String(reflecting: error))"]) { $1 })
    }
}
