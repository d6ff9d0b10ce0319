import NIOCore
import Synchronization

/// One caller's commands on their way through a ``RedisPipelineHandler``, and the promise of their replies.
///
/// Everything in it is touched only on the channel's event loop (the handler, and the callbacks of the write's
/// promise), hence `@unchecked Sendable`: it is created off the loop and handed to `writeAndFlush` once.
final class RedisPipelineRequest: @unchecked Sendable {
    let commands: [RedisCommand]
    /// Completed once: with one reply per command, or with the error that ended the connection.
    let promise: EventLoopPromise<[RedisValue]>
    /// Set when the handler queued the request (its bytes may be on the wire from then on). A request the channel
    /// refused before that was never sent, so it may be sent again on another connection.
    var accepted = false
    fileprivate var replies: [RedisValue] = []
    private var isCompleted = false

    init(commands: [RedisCommand], promise: EventLoopPromise<[RedisValue]>) {
        self.commands = commands
        self.promise = promise
    }

    fileprivate func succeed() {
        guard !self.isCompleted else { return }
        self.isCompleted = true
        self.promise.succeed(self.replies)
    }

    /// Fails the request unless it already completed.
    func fail(_ error: any Error) {
        guard !self.isCompleted else { return }
        self.isCompleted = true
        self.promise.fail(error)
    }
}

/// The error a request gets when its channel refused it before any of its bytes were written: safe to send again.
struct RedisRequestNotSent: Error {}

/// Close the connection once every request written to it has its replies (sent by ``RedisEventLoopConnection`` at
/// shutdown, so commands in flight finish).
struct RedisCloseWhenDrained: Sendable {}

/// Writes each request's commands to the socket as RESP and matches the replies, parsed by hiredis's reader, to the
/// requests in the order they were written: any number of callers' requests are in flight on one connection at once
/// (true pipelining), and no caller waits for another's turn.
///
/// Flushes are coalesced: a write asks for a flush at the end of the event loop's current batch of tasks, so the
/// requests of many callers that arrive together leave in one system call. If no reply arrives for `commandTimeout`
/// while requests are waiting, or the reader meets a protocol error, or the socket fails, every waiting request fails
/// (whether its commands ran is unknown, so none is sent again) and the connection is closed.
final class RedisPipelineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisPipelineRequest
    typealias OutboundOut = ByteBuffer

    private let endpoint: String
    private let commandTimeout: TimeAmount
    private let reader = RedisReplyReader()
    private var waiting = CircularBuffer<RedisPipelineRequest>(initialCapacity: 64)
    private var flushPending = false
    private var closeWhenDrained = false
    private var failure: RedisError?
    /// When the last reply arrived (or the first request started waiting after an idle spell).
    private var lastProgress = NIODeadline.now()
    private var timer: Scheduled<Void>?
    /// Flushes issued, for tests and benchmarks.
    private let flushes: RedisCounter

    init(endpoint: String, commandTimeout: Duration, flushes: RedisCounter) {
        self.endpoint = endpoint
        self.commandTimeout = TimeAmount(commandTimeout)
        self.flushes = flushes
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        if let failure = self.failure ?? (context.channel.isActive ? nil : RedisError(.io, endpoint: self.endpoint, detail: "connection closed")) {
            // The connection is failing: nothing of this request was written.
            request.fail(RedisRequestNotSent())
            promise?.fail(failure)
            return
        }
        request.accepted = true
        var buffer = context.channel.allocator.buffer(capacity: Self.encodedSize(request.commands))
        for command in request.commands { Self.encode(command, into: &buffer) }
        if self.waiting.isEmpty {
            self.lastProgress = .now()
            self.armTimer(context: context)
        }
        self.waiting.append(request)
        context.write(self.wrapOutboundOut(buffer), promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        guard !self.flushPending else { return }
        self.flushPending = true
        // Runs after the tasks already queued on the loop: other callers' writes arriving now share this flush.
        context.eventLoop.assumeIsolated().execute {
            self.flushPending = false
            self.flushes.add()
            context.flush()
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is RedisCloseWhenDrained else { return context.triggerUserOutboundEvent(event, promise: promise) }
        self.closeWhenDrained = true
        promise?.succeed()
        if self.waiting.isEmpty { context.close(promise: nil) }
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        do throws(RedisError) {
            try self.reader.feed(buffer)
            while let reply = try self.reader.next() {
                guard let head = self.waiting.first else {
                    throw RedisError(.protocol, endpoint: self.endpoint, detail: "a reply arrived that no command asked for")
                }
                self.lastProgress = .now()
                head.replies.append(reply)
                if head.replies.count == head.commands.count {
                    self.waiting.removeFirst()
                    head.succeed()
                }
            }
        } catch {
            return self.failAll(context: context, error: RedisError(error.code, endpoint: self.endpoint, detail: error.detail))
        }
        if self.waiting.isEmpty {
            self.timer?.cancel()
            self.timer = nil
            if self.closeWhenDrained { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(context: context, error: RedisError(.io, endpoint: self.endpoint, detail: "the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(context: context, error: RedisError(.io, endpoint: self.endpoint, detail: "\(error)"))
    }

    // MARK: - Failing

    /// Fails every waiting request with `error` (their fate is unknown) and closes the connection.
    private func failAll(context: ChannelHandlerContext, error: RedisError) {
        if self.failure == nil { self.failure = error }
        self.timer?.cancel()
        self.timer = nil
        let waiting = self.waiting
        self.waiting.removeAll()
        for request in waiting { request.fail(self.failure ?? error) }
        if context.channel.isActive { context.close(promise: nil) }
    }

    /// Checks, `commandTimeout` after the last progress, that replies still arrive.
    private func armTimer(context: ChannelHandlerContext) {
        guard self.timer == nil else { return }
        let loop = context.eventLoop.assumeIsolated()
        self.timer = loop.scheduleTask(deadline: self.lastProgress + self.commandTimeout) {
            self.timer = nil
            guard !self.waiting.isEmpty else { return }
            if NIODeadline.now() >= self.lastProgress + self.commandTimeout {
                let seconds = Double(self.commandTimeout.nanoseconds) / 1e9
                self.failAll(context: context, error: RedisError(.timeout, endpoint: self.endpoint, detail: "no reply within \(seconds) s"))
            } else {
                self.armTimer(context: context)
            }
        }
    }

    // MARK: - RESP

    private static func encodedSize(_ commands: [RedisCommand]) -> Int {
        var size = 0
        for command in commands { size += command.storage.count + 16 + command.count * 16 }
        return size
    }

    /// `*<count>\r\n` then `$<length>\r\n<bytes>\r\n` per argument: binary-safe.
    static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(command.count))
        buffer.writeStaticString("\r\n")
        var offset = 0
        for length in command.lengths {
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(length))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(command.storage[offset..<offset + length])
            buffer.writeStaticString("\r\n")
            offset += length
        }
    }
}

/// A count shared across threads (flushes, connects), for tests and benchmarks.
final class RedisCounter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { self.count.load(ordering: .relaxed) }
    func add() { self.count.add(1, ordering: .relaxed) }
}
