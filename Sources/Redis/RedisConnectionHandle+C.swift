// Every raw hiredis call of the module lives in this file (style.md R3).
import CHiredis
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RedisConnectionHandle {
    /// Opens the socket with the connect timeout, then sets the command timeout and keepalive.
    static func open(_ configuration: RedisConfiguration) throws(RedisError) -> RedisConnectionHandle {
        let endpoint = configuration.endpoint.description
        let connectTimeout = Self.makeTimeval(configuration.connectTimeout)
        let raw: UnsafeMutablePointer<redisContext>?
        switch configuration.endpoint {
        case .tcp(let host, let port): raw = redisConnectWithTimeout(host, Int32(port), connectTimeout)
        case .unix(let path): raw = redisConnectUnixWithTimeout(path, connectTimeout)
        }
        guard let raw else { throw RedisError(.connect, endpoint: endpoint, detail: "out of memory") }
        if raw.pointee.err != 0 {
            let detail = Self.errorText(raw)
            redisFree(raw)
            throw RedisError(.connect, endpoint: endpoint, detail: detail)
        }
        let handle = RedisConnectionHandle(context: OpaquePointer(raw), endpoint: endpoint, readTimeout: configuration.commandTimeout)
        guard redisSetTimeout(raw, Self.makeTimeval(configuration.commandTimeout)) == REDIS_OK else {
            throw RedisError(.connect, endpoint: endpoint, detail: "setting the command timeout failed: \(Self.errorText(raw))")
        }
        if configuration.keepAlive, case .tcp = configuration.endpoint, redisEnableKeepAlive(raw) != REDIS_OK {
            throw RedisError(.connect, endpoint: endpoint, detail: "enabling keepalive failed: \(Self.errorText(raw))")
        }
        return handle
    }

    private var raw: UnsafeMutablePointer<redisContext>? { self.context.map { UnsafeMutablePointer<redisContext>($0) } }

    /// Sets the socket read (and write) timeout; used by blocking commands, whose timeout follows their argument.
    func setReadTimeout(_ timeout: Duration) throws(RedisError) {
        guard timeout != self.readTimeout else { return }
        guard let raw = self.raw else { throw RedisError(.io, endpoint: self.endpoint, detail: "connection closed") }
        guard redisSetTimeout(raw, Self.makeTimeval(timeout)) == REDIS_OK else { throw self.contextError(raw) }
        self.readTimeout = timeout
    }

    /// Appends one command to the output buffer (`redisAppendCommandArgv`: binary-safe); nothing is sent yet.
    func append(_ command: RedisCommand) throws(RedisError) {
        guard let raw = self.raw else { throw RedisError(.io, endpoint: self.endpoint, detail: "connection closed") }
        let count = command.lengths.count
        let status = command.storage.withUnsafeBufferPointer { storage in
            command.lengths.withUnsafeBufferPointer { lengths in
                withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(count, 1)) { argv in
                    // An empty buffer has no base address; any valid pointer does for zero-length arguments.
                    let base = UnsafeRawPointer(storage.baseAddress) ?? UnsafeRawPointer(lengths.baseAddress!)
                    var offset = 0
                    for index in 0..<count {
                        argv[index] = (base + offset).assumingMemoryBound(to: CChar.self)
                        offset += lengths[index]
                    }
                    return redisAppendCommandArgv(raw, Int32(count), argv.baseAddress, lengths.baseAddress)
                }
            }
        }
        guard status == REDIS_OK else { throw self.contextError(raw) }
    }

    /// Flushes the output buffer if needed and reads one reply (`redisGetReply`), blocking up to the read timeout.
    func readReply() throws(RedisError) -> RedisValue {
        guard let raw = self.raw else { throw RedisError(.io, endpoint: self.endpoint, detail: "connection closed") }
        var reply: UnsafeMutableRawPointer?
        guard redisGetReply(raw, &reply) == REDIS_OK, let reply else { throw self.contextError(raw) }
        defer { freeReplyObject(reply) }
        return Self.value(reply.assumingMemoryBound(to: redisReply.self))
    }

    /// No error on the context, and nothing to read on the idle socket: readable or hung up means the peer closed it
    /// (a restarted server, an idle timeout), so the pool opens a new connection instead of failing a command.
    var isHealthy: Bool {
        guard let raw = self.raw, raw.pointee.err == 0 else { return false }
        var descriptor = pollfd(fd: raw.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Frees the context (closing the socket); safe to call twice.
    func free() {
        guard let raw = self.raw else { return }
        self.context = nil
        redisFree(raw)
    }

    // MARK: - Conversions

    fileprivate static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(r.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: r.str, count: r.len)))
        case REDIS_REPLY_STATUS:
            return .status(Self.text(r))
        case REDIS_REPLY_ERROR:
            return .error(Self.text(r))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] { elements.append(Self.value(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard reply.len > 0, let str = reply.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: reply.len), as: UTF8.self)
    }

    /// The error the context holds, as a ``RedisError``: a read that hit the socket timeout is ``RedisError/Code/timeout``.
    private func contextError(_ raw: UnsafeMutablePointer<redisContext>) -> RedisError {
        let savedErrno = errno
        let detail = Self.errorText(raw)
        switch raw.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || detail.contains("temporarily unavailable"):
            return RedisError(.timeout, endpoint: self.endpoint, detail: detail)
        case REDIS_ERR_PROTOCOL:
            return RedisError(.protocol, endpoint: self.endpoint, detail: detail)
        case REDIS_ERR_EOF:
            return RedisError(.io, endpoint: self.endpoint, detail: "the server closed the connection")
        default:
            return RedisError(.io, endpoint: self.endpoint, detail: detail)
        }
    }

    private static func errorText(_ raw: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: raw.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// hiredis's reply parser (`redisReader`) without a socket: the event-loop connection feeds it the bytes it reads and
/// takes out each complete reply. Used only on the connection's event loop; the reader is freed with the object.
final class RedisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        guard let reader = redisReaderCreate() else { fatalError("hiredis could not allocate a reply reader") }
        self.reader = reader
    }

    deinit { redisReaderFree(self.reader) }

    /// Hands the readable bytes of `buffer` to the parser (copied into its own buffer).
    func feed(_ buffer: ByteBuffer) throws(RedisError) {
        let status = buffer.withUnsafeReadableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return REDIS_OK }
            return redisReaderFeed(self.reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else { throw self.error() }
    }

    /// The next complete reply, or `nil` when the bytes fed so far hold none; throws on a protocol error.
    func next() throws(RedisError) -> RedisValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(self.reader, &reply) == REDIS_OK else { throw self.error() }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return RedisConnectionHandle.value(reply.assumingMemoryBound(to: redisReply.self))
    }

    private func error() -> RedisError {
        let detail = withUnsafeBytes(of: self.reader.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return RedisError(.protocol, detail: detail.isEmpty ? "the reply could not be parsed" : detail)
    }
}
