import Foundation

extension SandboxState {
    /// Records download progress; `false` when the publish was cancelled and the download must stop.
    func pullProgress(publishID: String, downloaded: Int64) -> Bool {
        guard let post = self.posts[publishID], post.transferFailure == nil else { return false }
        self.posts[publishID]?.bytesReceived = downloaded
        return true
    }

    /// Records a finished download: size, SHA-256 and the file's head.
    func pullFinished(publishID: String, downloaded: Int64, sha256: String, head: Data, now: Date) {
        guard let post = self.posts[publishID], post.transferFailure == nil else { return }
        self.posts[publishID]?.bytesReceived = downloaded
        self.posts[publishID]?.sha256 = sha256
        self.posts[publishID]?.head = head
        self.posts[publishID]?.videoSize = downloaded
        self.posts[publishID]?.transferCompletedAt = now
        self.dirty = true
    }

    /// Records a failed download (a cancel that came first is kept).
    func pullFailed(publishID: String) {
        guard let post = self.posts[publishID], post.transferFailure == nil, post.transferCompletedAt == nil else { return }
        self.posts[publishID]?.transferFailure = FailReason.videoPullFailed
        self.dirty = true
    }
}
