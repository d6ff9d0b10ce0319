/// The Content Posting API (reference §2): JSON bodies, bearer token, the `{"data","error"}` envelope where success is
/// `error.code == "ok"` whatever the HTTP status.
extension TikTokClient {
    /// What the creator may post now (§2.3). Refusals such as `spam_risk_too_many_posts` arrive with HTTP 200 and are
    /// thrown like any other failure.
    public func creatorInfo(accessToken: String) async throws(TikTokError) -> CreatorInfo {
        try await self.callJSON("creator_info", path: "/v2/post/publish/creator_info/query/", accessToken: accessToken, body: EmptyBody(), as: CreatorInfo.self)
    }

    /// Starts a Direct Post (§2.4). Each call creates a new `publish_id` (there is no idempotency key): persist the
    /// returned ticket before doing anything else. A file upload's ticket always has an upload URL.
    /// - Throws: ``TikTokError``; ``TikTokError/Code/invalidArgument`` for a caption over 2200 UTF-16 units.
    public func initDirectPost(accessToken: String, postInfo: PostInfo, source: VideoSource) async throws(TikTokError) -> PublishTicket {
        if let title = postInfo.title, title.utf16.count > PostInfo.maximumTitleLength {
            throw TikTokError(.invalidArgument, message: "caption longer than \(PostInfo.maximumTitleLength) UTF-16 units")
        }
        let body = DirectPostBody(postInfo: postInfo, sourceInfo: source)
        let ticket = try await self.callJSON("video.init", path: "/v2/post/publish/video/init/", accessToken: accessToken, body: body, as: PublishTicket.self)
        return try self.checked(ticket, source: source, endpoint: "video.init")
    }

    /// Uploads a draft to the creator's inbox (§2.7); the creator finishes the post inside TikTok.
    public func initInbox(accessToken: String, source: VideoSource) async throws(TikTokError) -> PublishTicket {
        let ticket = try await self.callJSON(
            "inbox.init", path: "/v2/post/publish/inbox/video/init/", accessToken: accessToken, body: InboxBody(sourceInfo: source), as: PublishTicket.self)
        return try self.checked(ticket, source: source, endpoint: "inbox.init")
    }

    /// Where a publish stands (§2.9).
    public func fetchStatus(accessToken: String, publishID: String) async throws(TikTokError) -> PublishStatus {
        guard !publishID.isEmpty else { throw TikTokError(.invalidArgument, message: "publish_id is empty") }
        return try await self.callJSON(
            "status", path: "/v2/post/publish/status/fetch/", accessToken: accessToken, body: PublishIDBody(publishID: publishID), as: PublishStatus.self)
    }

    /// Best-effort cancel of a PULL_FROM_URL download (§2.10); `publish_not_cancellable` when it is already final.
    public func cancel(accessToken: String, publishID: String) async throws(TikTokError) {
        guard !publishID.isEmpty else { throw TikTokError(.invalidArgument, message: "publish_id is empty") }
        try await self.callJSONWithoutData("cancel", path: "/v2/post/publish/cancel/", accessToken: accessToken, body: PublishIDBody(publishID: publishID))
    }

    private func checked(_ ticket: PublishTicket, source: VideoSource, endpoint: String) throws(TikTokError) -> PublishTicket {
        guard source.isFileUpload, ticket.uploadURL == nil else { return ticket }
        throw self.logged(TikTokError(.malformedResponse, message: "file upload init without upload_url (publish_id \(ticket.publishID))"), endpoint: endpoint)
    }
}

struct DirectPostBody: Encodable {
    var postInfo: PostInfo
    var sourceInfo: VideoSource
    enum CodingKeys: String, CodingKey { case postInfo = "post_info", sourceInfo = "source_info" }
}

struct InboxBody: Encodable {
    var sourceInfo: VideoSource
    enum CodingKeys: String, CodingKey { case sourceInfo = "source_info" }
}

struct PublishIDBody: Encodable {
    var publishID: String
    enum CodingKeys: String, CodingKey { case publishID = "publish_id" }
}
