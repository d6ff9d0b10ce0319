import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Downloads a PULL_FROM_URL video the way TikTok would (reference §2.6): one GET, no redirects followed (a 3xx
/// fails), streamed and hashed buffer by buffer, never held in memory; a failure or the pull timeout ends the
/// publish as `video_pull_failed`.
struct PullDownloader: Sendable {
    let client: HTTPClient
    let state: SandboxState
    let configuration: SandboxConfiguration
    let logger: Logger

    func download(_ job: PullJob) async {
        do {
            let request = HTTPClientRequest(url: job.url)
            let seconds = max(1, self.configuration.pullTimeout.wholeSecondsRoundedUp)
            let response = try await self.client.execute(request, timeout: .seconds(seconds))
            guard response.status == .ok else {
                self.logger.notice("pull failed", metadata: ["publish_id": "\(job.publishID)", "http_status": "\(response.status.code)"])
                await self.state.pullFailed(publishID: job.publishID)
                return
            }
            var hasher = SHA256()
            var downloaded: Int64 = 0
            var head = Data()
            for try await buffer in response.body {
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                downloaded += Int64(buffer.readableBytes)
                if head.count < MediaSniffer.headLength {
                    head.append(contentsOf: buffer.readableBytesView.prefix(MediaSniffer.headLength - head.count))
                }
                guard downloaded <= ChunkRules.maximumSize else { throw PullTooLarge() }
                guard await self.state.pullProgress(publishID: job.publishID, downloaded: downloaded) else { return }
            }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            await self.state.pullFinished(
                publishID: job.publishID, downloaded: downloaded, sha256: digest, head: head, now: self.configuration.clock())
        } catch {
            self.logger.notice("pull failed", metadata: ["publish_id": "\(job.publishID)", "error": "\(type(of: error))"])
            await self.state.pullFailed(publishID: job.publishID)
        }
    }
}

/// A pulled file over the 4 GB limit.
struct PullTooLarge: Error {}
