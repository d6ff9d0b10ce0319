import Crypto
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// One chunk's body as it arrived: hashed and counted as it streamed by, never kept (only the file's head, for the
/// container check, when the chunk is the first).
struct ChunkBody: Sendable {
    /// The upload's running hash, this chunk's bytes included.
    var hasher: SHA256
    /// Bytes received (it stops counting one buffer past the declared length).
    var received: Int64 = 0
    /// The file's first bytes, when the chunk holds them.
    var head = Data()

    /// The body went silent for the idle timeout: the client is gone or stuck, and the chunk is abandoned.
    struct IdleTimeout: Error {}

    /// Reads `body` to its end, or until more than `length` bytes came, hashing on from `ticket`'s hasher. A body that
    /// sends no byte for `idleTimeout` is given up: the reader is cancelled (which stops the connection's input) and
    /// ``IdleTimeout`` is thrown.
    static func receive(_ body: RequestBody, ticket: ChunkTicket, length: Int64, idleTimeout: Duration) async throws -> ChunkBody {
        let activity = BodyActivity()
        return try await withThrowingTaskGroup(of: ChunkBody?.self) { group in
            group.addTask {
                var chunk = ChunkBody(hasher: ticket.hasher)
                for try await buffer in body {
                    activity.touch()
                    chunk.received += Int64(buffer.readableBytes)
                    guard chunk.received <= length else { break }
                    buffer.withUnsafeReadableBytes { chunk.hasher.update(bufferPointer: $0) }
                    if ticket.isFirst, chunk.head.count < MediaSniffer.headLength {
                        chunk.head.append(contentsOf: buffer.readableBytesView.prefix(MediaSniffer.headLength - chunk.head.count))
                    }
                }
                return chunk
            }
            group.addTask {
                try await activity.silence(of: idleTimeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let chunk = first else { throw IdleTimeout() }
            return chunk
        }
    }
}

/// When a body last delivered bytes, shared by the task reading it and the one watching for silence.
final class BodyActivity: Sendable {
    private let lastByte = Mutex(ContinuousClock.now)

    /// Records that bytes arrived now.
    func touch() {
        self.lastByte.withLock { $0 = .now }
    }

    /// Returns once `timeout` has passed without a ``touch()``; throws `CancellationError` when cancelled first. It
    /// wakes once per deadline, never polls.
    func silence(of timeout: Duration) async throws {
        while true {
            let deadline = self.lastByte.withLock { $0 }.advanced(by: timeout)
            guard ContinuousClock.now < deadline else { return }
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }
}
