import Foundation
import Testing
import TikTok

/// The uploader's requests and its reading of TikTok's replies, over a fake transport that reads back the bytes sent.
@Suite struct UploadTests {
    static let uploadURL = "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123"

    /// Replies like TikTok: 206 with `Content-Range: bytes 0-{last}/{total}` until the last byte, then 201.
    static func tiktokLike(_ sent: FakeTransport.Sent) -> TransportResponse {
        let range = sent.headers["content-range"] ?? ""
        let numbers = range.dropFirst("bytes ".count).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int64($0) }
        guard numbers.count == 3 else { return TransportResponse(status: 400) }
        let status = numbers[1] == numbers[2] - 1 ? 201 : 206
        return TransportResponse(status: status, headers: [("Content-Range", "bytes 0-\(numbers[1])/\(numbers[2])")])
    }

    @Test func sendsEveryChunkInOrderWithItsHeaders() async throws {
        let file = try TestFile(size: 12_000_000)
        let plan = try ChunkPlan(videoSize: 12_000_000, chunkSize: 5_242_880)
        let transport = FakeTransport(answer: Self.tiktokLike)
        let reports = ProgressLog()
        let final = try await makeClient(transport).upload(file: file.path, to: Self.uploadURL, plan: plan, contentType: .mp4) { reports.add($0) }
        #expect(final.isComplete && final.receivedBytes == 12_000_000)
        let requests = transport.requests
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.method == "PUT" && $0.url == Self.uploadURL })
        #expect(requests.map { $0.headers["content-range"] } == ["bytes 0-5242879/12000000", "bytes 5242880-11999999/12000000"])
        #expect(requests.map { $0.headers["content-length"] } == ["5242880", "6757120"])
        #expect(requests.allSatisfy { $0.headers["content-type"] == "video/mp4" })
        #expect(requests.flatMap(\.body) == file.bytes)
        #expect(reports.all.map(\.nextChunk) == [1, 2])
        #expect(reports.all.map(\.isComplete) == [false, true])
    }

    @Test func resumesFromAGivenChunk() async throws {
        let file = try TestFile(size: 16_000_000)
        let plan = try ChunkPlan(videoSize: 16_000_000, chunkSize: 5_242_880)
        let transport = FakeTransport(answer: Self.tiktokLike)
        _ = try await makeClient(transport).upload(file: file.path, to: Self.uploadURL, plan: plan, startingAtChunk: 1, contentType: .quicktime)
        #expect(transport.requests.map { $0.headers["content-range"] } == ["bytes 5242880-10485759/16000000", "bytes 10485760-15999999/16000000"])
        #expect(transport.requests.last?.body == Array(file.bytes[10_485_760...]))
        #expect(transport.requests.allSatisfy { $0.headers["content-type"] == "video/quicktime" })
    }

    @Test func a416CarriesTikToksProgress() async throws {
        let file = try TestFile(size: 12_000_000)
        let plan = try ChunkPlan(videoSize: 12_000_000, chunkSize: 5_242_880)
        let transport = FakeTransport { _ in TransportResponse(status: 416, headers: [("Content-Range", "bytes 0-5242879/12000000"), ("X-Tt-Logid", "UPL1")]) }
        let error = await #expect(throws: TikTokError.self) {
            try await makeClient(transport).upload(file: file.path, to: Self.uploadURL, plan: plan, contentType: .mp4)
        }
        #expect(error?.code == .uploadRangeMismatch && error?.classification == .transient)
        #expect(error?.receivedBytes == 5_242_880)
        #expect(error?.logID == "UPL1")
        #expect(plan.nextChunk(afterReceivedBytes: error?.receivedBytes ?? 0) == 1)
    }

    @Test(arguments: [
        (403, TikTokError.Code.uploadURLExpired), (404, .uploadNotFound), (400, .uploadRejected), (500, .internalError),
        (503, .internalError), (302, .unexpectedRedirect), (429, .rateLimitExceeded),
    ])
    func putStatusesMapToCodes(status: Int, code: TikTokError.Code) async throws {
        let file = try TestFile(size: 1000)
        let transport = FakeTransport { _ in TransportResponse(status: status) }
        let error = await #expect(throws: TikTokError.self) {
            try await makeClient(transport).upload(file: file.path, to: Self.uploadURL, plan: try ChunkPlan(videoSize: 1000), contentType: .webm)
        }
        #expect(error?.code == code)
        #expect(error?.httpStatus == status)
    }

    @Test func refusesAFileThatDoesNotMatchThePlan() async throws {
        let file = try TestFile(size: 1000)
        let transport = FakeTransport(answer: Self.tiktokLike)
        let client = makeClient(transport)
        await #expect(throws: TikTokError.self) { try await client.upload(file: file.path, to: Self.uploadURL, plan: try ChunkPlan(videoSize: 999), contentType: .mp4) }
        await #expect(throws: TikTokError.self) { try await client.upload(file: "/nonexistent/v.mp4", to: Self.uploadURL, plan: try ChunkPlan(videoSize: 1000), contentType: .mp4) }
        await #expect(throws: TikTokError.self) {
            try await client.upload(file: file.path, to: Self.uploadURL, plan: try ChunkPlan(videoSize: 1000), startingAtChunk: 1, contentType: .mp4)
        }
        #expect(transport.requests.isEmpty)
    }
}
