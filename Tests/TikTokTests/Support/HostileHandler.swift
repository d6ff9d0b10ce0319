import Foundation
import NIOCore

/// Replies chosen by the first path segment, each one a way a server can misbehave.
struct HostileHandler: RawHTTPServer.Handler {
    static let goodCreatorInfo = #"{"data":{"creator_username":"u","creator_nickname":"n","privacy_level_options":["SELF_ONLY"],"comment_disabled":false,"duet_disabled":false,"stitch_disabled":false,"max_video_post_duration_sec":60},"error":{"code":"ok","message":"","log_id":"GOOD1"}}"#

    func consume(_ piece: ByteBuffer, of request: RawRequest) async {}

    func respond(to request: RawRequest, with writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
        let json = [("Content-Type", "application/json")]
        switch request.path.split(separator: "/").first.map(String.init) ?? "" {
        case "good":
            try await writer.reply(status: "200 OK", headers: json, body: Self.goodCreatorInfo)
        case "nonjson":
            try await writer.reply(status: "200 OK", headers: json, body: "<<< certainly not json >>>")
        case "missing":
            try await writer.reply(status: "200 OK", headers: json, body: #"{"data":{},"error":{"code":"ok","message":"","log_id":"MISS1"}}"#)
        case "wrongtype":
            try await writer.reply(status: "200 OK", headers: [("Content-Type", "text/plain")], body: Self.goodCreatorInfo)
        case "html502":
            try await writer.reply(status: "502 Bad Gateway", headers: [("Content-Type", "text/html")], body: "<html><body><h1>502 Bad Gateway</h1></body></html>")
        case "redirect":
            try await writer.reply(status: "302 Found", headers: [("Location", "http://127.0.0.1:1/elsewhere")], body: "")
        case "huge":
            try await writer.write(text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
            try await Self.stream(50_000_000, to: writer, chunked: false)
            return false
        case "hugechunked":
            try await writer.write(text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await Self.stream(50_000_000, to: writer, chunked: true)
            return false
        case "slow":
            try await writer.write(text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<1000 {
                try await writer.write(text: " ")
                try await Task.sleep(for: .seconds(1))
            }
        case "silent":
            try await Task.sleep(for: .seconds(3600))
        case "close":
            try await writer.write(text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":")
            return false
        default:
            try await writer.reply(status: "404 Not Found", body: "")
        }
        return true
    }

    /// Writes `total` bytes of JSON-ish filler in 64 KiB pieces (stops when the client goes away).
    private static func stream(_ total: Int, to writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, chunked: Bool) async throws {
        let piece = String(repeating: "x", count: 65_536)
        var sent = 0
        while sent < total {
            try await writer.write(text: chunked ? "10000\r\n\(piece)\r\n" : piece)
            sent += piece.utf8.count
        }
        if chunked { try await writer.write(text: "0\r\n\r\n") }
    }
}
