import Foundation
import NIOCore
import NIOPosix

/// A bare TCP connection to the sandbox, for what AsyncHTTPClient will not send: a request whose body stops half-way
/// while the socket stays open, as when a client's network is cut (no FIN, no RST).
struct RawConnection {
    let channel: any Channel
    /// Sends bytes to the sandbox.
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// False once either side closed the connection.
    var isOpen: Bool { self.channel.isActive }

    /// Connects to `url`'s host and port, runs `body`, and closes the connection.
    static func with<Result: Sendable>(to url: String, _ body: (RawConnection) async throws -> Result) async throws -> Result {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw TestFailure("not a URL with a host and port: \(url)")
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { _, outbound in
            try await body(RawConnection(channel: channel.channel, outbound: outbound))
        }
    }

    /// Sends the head of `PUT url` with a chunk's headers for `range` of a `total`-byte file.
    func sendPutHead(_ url: String, range: ClosedRange<Int>, total: Int) async throws {
        let components = URLComponents(string: url)
        let target = (components?.percentEncodedPath ?? "/") + (components?.percentEncodedQuery.map { "?" + $0 } ?? "")
        let head = [
            "PUT \(target) HTTP/1.1", "Host: \(components?.host ?? "localhost"):\(components?.port ?? 80)", "Content-Type: video/mp4",
            "Content-Length: \(range.count)", "Content-Range: bytes \(range.lowerBound)-\(range.upperBound)/\(total)", "", "",
        ]
        try await self.outbound.write(ByteBuffer(string: head.joined(separator: "\r\n")))
    }

    /// Sends `bytes` as they are.
    func send(_ bytes: Data) async throws {
        try await self.outbound.write(ByteBuffer(bytes: bytes))
    }
}
