/// One command with its arguments as bytes (binary-safe: any byte, NUL included, may appear in an argument).
///
/// Arguments are kept in one contiguous buffer, so building a command costs two allocations whatever its length.
/// Build one from strings, from bytes, or both: `var command = RedisCommand(["SET", key]); command.append(bytes: value)`.
public struct RedisCommand: Sendable, Hashable {
    /// All arguments, back to back.
    var storage: [UInt8]
    /// The length of each argument in ``storage``.
    var lengths: [Int]
    /// The script an `EVALSHA` command runs, so that a `NOSCRIPT` reply can load it and run the command again.
    public var script: RedisScript?

    /// A command from string arguments (UTF-8 encoded), the name first: `RedisCommand(["GET", key])`.
    public init(_ arguments: [String]) {
        self.storage = []
        self.lengths = []
        self.lengths.reserveCapacity(arguments.count)
        var total = 0
        for argument in arguments { total += argument.utf8.count }
        self.storage.reserveCapacity(total)
        for argument in arguments { self.append(argument) }
    }

    /// A command from byte arguments, the name first.
    public init(bytes arguments: [[UInt8]]) {
        self.storage = []
        self.lengths = []
        self.lengths.reserveCapacity(arguments.count)
        for argument in arguments { self.append(bytes: argument) }
    }

    /// Adds a string argument (UTF-8 encoded).
    public mutating func append(_ argument: String) {
        let before = self.storage.count
        self.storage.append(contentsOf: argument.utf8)
        self.lengths.append(self.storage.count - before)
    }

    /// Adds a byte argument.
    public mutating func append(bytes argument: [UInt8]) {
        self.storage.append(contentsOf: argument)
        self.lengths.append(argument.count)
    }

    /// The number of arguments, the command name included.
    public var count: Int { self.lengths.count }

    /// The arguments, each as bytes.
    public var arguments: [[UInt8]] {
        var offset = 0
        return self.lengths.map { length in
            defer { offset += length }
            return Array(self.storage[offset..<offset + length])
        }
    }

    /// The argument at `index` decoded as UTF-8 (for inspecting command names and options).
    func text(at index: Int) -> String {
        var offset = 0
        for length in self.lengths[..<index] { offset += length }
        return String(decoding: self.storage[offset..<offset + self.lengths[index]], as: UTF8.self)
    }

    /// Commands that block, or that change or depend on the state of their connection: they never share a pipeline
    /// with other callers' commands.
    static let runsAlone: Set<String> = [
        "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "XREAD", "XREADGROUP", "WAIT",
        "WAITAOF", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR", "MULTI",
        "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "AUTH", "HELLO", "RESET", "CLIENT", "QUIT", "SHUTDOWN", "DEBUG",
    ]

    /// ``runsAlone`` packed by ``packedName(_:)``, so the check on every command allocates nothing.
    private static let packedRunsAlone: Set<PackedName> = Set(Self.runsAlone.compactMap { Self.packedName(Array($0.utf8)[...]) })

    /// Whether this command must not share a pipeline with other callers' commands (see ``runsAlone``).
    var mustRunAlone: Bool {
        guard self.count > 0, self.lengths[0] <= 16, let name = Self.packedName(self.storage[0..<self.lengths[0]]) else { return false }
        return Self.packedRunsAlone.contains(name)
    }

    /// A command name of up to 16 ASCII letters, upper-cased, in two integers.
    private struct PackedName: Hashable {
        var low: UInt64 = 0
        var high: UInt64 = 0
    }

    private static func packedName(_ bytes: ArraySlice<UInt8>) -> PackedName? {
        guard bytes.count <= 16 else { return nil }
        var name = PackedName()
        for (index, byte) in bytes.enumerated() {
            let upper = UInt64(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            if index < 8 { name.low |= upper << (8 * UInt64(index)) } else { name.high |= upper << (8 * UInt64(index - 8)) }
        }
        return name
    }

    /// `EVALSHA sha numkeys keys… arguments…` for `script`, carrying the script so a flushed cache is reloaded.
    public static func evalSHA(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) -> RedisCommand {
        var command = RedisCommand(["EVALSHA", script.sha1, String(keys.count)] + keys + arguments)
        command.script = script
        return command
    }

    /// The same command as `EVAL source …`, for an `EVALSHA` whose script the server no longer knows. `EVAL` needs no
    /// cached script, so a `SCRIPT FLUSH` racing with the retry cannot fail it again; the server caches it on the way.
    var asEvalWithSource: RedisCommand? {
        guard let script = self.script, self.count >= 2 else { return nil }
        var arguments = self.arguments
        arguments[0] = Array("EVAL".utf8)
        arguments[1] = Array(script.source.utf8)
        return RedisCommand(bytes: arguments)
    }
}
