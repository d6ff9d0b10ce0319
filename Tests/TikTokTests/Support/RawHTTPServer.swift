import Foundation
import NIOCore
import NIOPosix

/// One request as the raw server saw it: request line, headers, and the body's length (the body itself is handed to
/// ``RawHTTPServer/Handler/consume(_:)`` piece by piece and never kept).
struct RawRequest: Sendable {
    var method: String
    var path: String
    var headers: [String: String]
    var bodyLength: Int
}

/// A tiny HTTP/1.1 server on 127.0.0.1 with hand-written replies, for hostile-server tests: each test decides, per
/// request, exactly which bytes go out and when (including never, slowly, or half).
enum RawHTTPServer {
    /// Decides the reply to each request.
    protocol Handler: Sendable {
        /// Called with each piece of a request body as it arrives.
        func consume(_ piece: ByteBuffer, of request: RawRequest) async
        /// Writes the reply; returns false to close the connection afterwards.
        func respond(to request: RawRequest, with writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool
    }

    /// Runs a server with `handler` for the duration of `body`, which gets the port.
    static func with<Result: Sendable>(_ handler: some Handler, _ body: (Int) async throws -> Result) async throws -> Result {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let port = server.channel.localAddress?.port ?? 0
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            connections.addTask { try? await Self.serve(connection, handler) }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            let result = try await body(port)
            server.channel.close(promise: nil)
            return result
        }
    }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ handler: some Handler) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var buffer = ByteBuffer()
            var iterator = inbound.makeAsyncIterator()
            while true {
                guard let request = try await Self.readHead(&buffer, &iterator) else { return }
                var remaining = request.bodyLength
                while remaining > 0 {
                    if buffer.readableBytes == 0 {
                        guard let more = try await iterator.next() else { return }
                        buffer = more
                    }
                    let take = min(remaining, buffer.readableBytes)
                    if let piece = buffer.readSlice(length: take) { await handler.consume(piece, of: request) }
                    remaining -= take
                }
                guard try await handler.respond(to: request, with: outbound) else { return }
            }
        }
    }

    private static func readHead(
        _ buffer: inout ByteBuffer, _ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    ) async throws -> RawRequest? {
        while true {
            let view = buffer.readableBytesView
            if let end = Self.headEnd(view) {
                let text = buffer.readString(length: end - view.startIndex + 4) ?? ""
                var lines = text.split(separator: "\r\n").map(String.init)
                let requestLine = lines.isEmpty ? [] : lines.removeFirst().split(separator: " ").map(String.init)
                var headers: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = headers["content-length"].flatMap(Int.init) ?? 0
                return RawRequest(method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "/", headers: headers, bodyLength: length)
            }
            guard var more = try await iterator.next() else { return nil }
            buffer.writeBuffer(&more)
        }
    }

    private static func headEnd(_ view: ByteBufferView) -> Int? {
        let bytes = Array(view)
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return view.startIndex + index
        }
        return nil
    }
}

extension NIOAsyncChannelOutboundWriter<ByteBuffer> {
    /// Writes `text` as UTF-8.
    func write(text: String) async throws { try await self.write(ByteBuffer(string: text)) }

    /// Writes a whole reply with a `Content-Length`.
    func reply(status: String, headers: [(String, String)] = [], body: String) async throws {
        var head = "HTTP/1.1 \(status)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        try await self.write(text: head + body)
    }
}
