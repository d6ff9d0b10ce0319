import Foundation
import TestSupport
import Testing
import TikTokSandbox

/// Chunked `PUT {upload_url}` (reference §2.5) and the status it leads to (§2.9).
@Suite struct UploadTests {
    @Test func chunksAnswer206Then201AndTheHashMatches() async throws {
        try await TestSandbox.run { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            let chunk = 5_242_880
            let video = TestSandbox.mp4(size: chunk * 2 + 1_000)
            let data = try await sandbox.initUpload(token: token, size: video.count, chunk: chunk).json["data"]
            let url = data?["upload_url"]?.string ?? ""
            let publishID = data?["publish_id"]?.string ?? ""
            let first = try await sandbox.put(url, video, 0...(chunk - 1))
            #expect(first.status == 206)
            #expect(first.headers["content-range"] == "bytes 0-\(chunk - 1)/\(video.count)")
            let progress = try await sandbox.postJSON("/v2/post/publish/status/fetch/", ["publish_id": publishID], token: token)
            #expect(progress.json["data"]?["status"]?.string == "PROCESSING_UPLOAD")
            #expect(progress.json["data"]?["uploaded_bytes"]?.int == Int64(chunk))
            let last = try await sandbox.put(url, video, chunk...(video.count - 1))
            #expect(last.status == 201)
            #expect(last.headers["content-range"] == "bytes 0-\(video.count - 1)/\(video.count)")
            let posts = try await sandbox.posts(openID: openID)
            #expect(posts.count == 1)
            #expect(posts.first?["sha256"]?.string == TestSandbox.sha256(video))
            #expect(posts.first?["bytes_received"]?.int == Int64(video.count))
            #expect(posts.first?["caption"]?.string == "funny #cat video")
            #expect(posts.first?["privacy_level"]?.string == "PUBLIC_TO_EVERYONE")
            #expect(posts.first?["source"]?.string == "FILE_UPLOAD")
        }
    }

    @Test func aRangeOutOfOrderIs416WithTheProgress() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let chunk = 5_242_880
            let video = TestSandbox.mp4(size: chunk * 2)
            let url = try await sandbox.initUpload(token: token, size: video.count, chunk: chunk).json["data"]?["upload_url"]?.string ?? ""
            let skipped = try await sandbox.put(url, video, chunk...(video.count - 1))
            #expect(skipped.status == 416)
            #expect(try await sandbox.put(url, video, 0...(chunk - 1)).status == 206)
            let repeated = try await sandbox.put(url, video, 0...(chunk - 1))
            #expect(repeated.status == 416)
            #expect(repeated.headers["content-range"] == "bytes 0-\(chunk - 1)/\(video.count)")
            let offBoundary = try await sandbox.put(url, video, chunk...(chunk + 99))
            #expect(offBoundary.status == 416, "a range must follow the chunk boundaries of init")
            #expect(try await sandbox.put(url, video, chunk...(video.count - 1)).status == 201)
        }
    }

    @Test func badHeadersAre400() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 1000)
            let url = try await sandbox.initUpload(token: token, size: 1000).json["data"]?["upload_url"]?.string ?? ""
            #expect(try await sandbox.put(url, video, 0...999, contentRange: "bytes 0-1999/1000").status == 400, "length ≠ range")
            #expect(try await sandbox.put(url, video, 0...999, contentRange: "bytes 0-998/1000").status == 400, "length ≠ range")
            #expect(try await sandbox.put(url, video, 0...999, contentType: "application/octet-stream").status == 400)
            #expect(try await sandbox.put(url, video, 0...999, contentRange: "0-999/1000").status == 400)
            #expect(try await sandbox.put(url, video, 0...999).status == 201, "the failed attempts recorded nothing")
        }
    }

    @Test func anExpiredUploadURLIs403() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let early = try await sandbox.initUpload(token: token, size: 1000).json["data"]?["upload_url"]?.string ?? ""
            let late = try await sandbox.initUpload(token: token, size: 1000).json["data"]?["upload_url"]?.string ?? ""
            clock.advance(by: sandbox.configuration.uploadURLLifetime - .seconds(1))
            #expect(try await sandbox.put(early, TestSandbox.mp4(size: 1000), 0...999).status == 201, "good until its lifetime ends")
            clock.advance(by: .seconds(2))
            #expect(try await sandbox.put(late, TestSandbox.mp4(size: 1000), 0...999).status == 403)
        }
    }

    /// A client cut off mid-chunk (no FIN, no RST) must not hold the upload busy forever: once its body has sent
    /// nothing for the idle timeout, the chunk is dropped (its partial bytes never count) and the next PUT of the same
    /// chunk, from another worker, is taken.
    @Test func aChunkWhoseBodyGoesSilentIsDroppedAfterTheIdleTimeout() async throws {
        // 3 s: the 50 ms trickle below must beat it on a loaded machine (1 s was missed once while `make test` ran its
        // suites in parallel, and the early PUT took the chunk).
        try await TestSandbox.run({ $0.uploadIdleTimeout = .seconds(3) }) { sandbox in
            let (openID, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 100_000)
            let url = try await sandbox.initUpload(token: token, size: video.count).json["data"]?["upload_url"]?.string ?? ""
            try await RawConnection.with(to: url) { cut in
                try await cut.sendPutHead(url, range: 0...(video.count - 1), total: video.count)
                try await cut.send(video.prefix(40_000))
                // While bytes keep coming, however slowly, the chunk is in flight and a second PUT of it is refused.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for offset in 40_000..<40_200 {
                            try await cut.send(video.subdata(in: offset..<(offset + 1)))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    // Give the sandbox time to take the trickling request in first: under the parallel suites its
                    // head can sit in a read buffer while a PUT on a pooled connection overtakes it.
                    try await Task.sleep(for: .milliseconds(800))
                    let early = try await sandbox.put(url, video, 0...(video.count - 1))
                    #expect(early.status == 416, "the first PUT still sends bytes: its chunk is in flight")
                    #expect(early.headers["content-range"] == "bytes */\(video.count)")
                    group.cancelAll()
                }
                // Then it goes silent with the socket open: after the idle timeout the chunk is free again.
                let late = try await eventuallyValue("a PUT accepted after the idle timeout", timeout: .seconds(15), poll: .milliseconds(100)) {
                    let reply = try await sandbox.put(url, video, 0...(video.count - 1))
                    return reply.status == 416 ? nil : reply
                }
                #expect(late.status == 201)
                #expect(late.headers["content-range"] == "bytes 0-\(video.count - 1)/\(video.count)", "the dropped chunk's bytes do not count")
                try await eventually("the sandbox closes the silent connection", timeout: .seconds(10)) { !cut.isOpen }
            }
            let posts = try await sandbox.posts(openID: openID)
            #expect(posts.first?["bytes_received"]?.int == Int64(video.count))
            #expect(posts.first?["sha256"]?.string == TestSandbox.sha256(video))
        }
    }

    @Test func anUnknownUploadIs404() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let url = try await sandbox.initUpload(token: token, size: 1000).json["data"]?["upload_url"]?.string ?? ""
            let video = TestSandbox.mp4(size: 1000)
            #expect(try await sandbox.put(sandbox.base + "/upload/?upload_id=nope&upload_token=nope", video, 0...999).status == 404)
            #expect(try await sandbox.put(url.replacingOccurrences(of: "upload_token=", with: "upload_token=x"), video, 0...999).status == 404)
        }
    }
}

/// status/fetch (reference §2.9).
@Suite struct StatusTests {
    @Test func aPublicDirectPostCompletesThenGetsAnInt64PostID() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 2_000)
            let data = try await sandbox.initUpload(token: token, size: video.count).json["data"]
            let publishID = data?["publish_id"]?.string ?? ""
            #expect(try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...(video.count - 1)).status == 201)
            let done = try await sandbox.waitForStatus(publishID, token: token) { $0["status"]?.string != "PROCESSING_UPLOAD" }
            #expect(done["status"]?.string == "PUBLISH_COMPLETE")
            #expect(done["fail_reason"] == nil)
            let moderated = try await sandbox.waitForStatus(publishID, token: token) { ($0["publicaly_available_post_id"]?.array ?? []).count > 0 }
            let ids = moderated["publicaly_available_post_id"]?.array ?? []
            #expect(ids.count == 1)
            let id = ids.first?.int ?? 0
            #expect(String(id).count == 19, "a 19-digit JSON integer, not a double or a string: \(ids)")
            #expect(id > 1 << 53)
            #expect(moderated["uploaded_bytes"]?.int == 2_000)
        }
    }

    @Test func aSelfOnlyPostNeverGetsAPublicID() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 500)
            let data = try await sandbox.initUpload(token: token, size: 500, privacy: "SELF_ONLY").json["data"]
            _ = try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...499)
            let publishID = data?["publish_id"]?.string ?? ""
            clock.advance(by: sandbox.configuration.processingTime)
            _ = try await sandbox.waitForStatus(publishID, token: token) { $0["status"]?.string == "PUBLISH_COMPLETE" }
            clock.advance(by: .seconds(3_600))  // far past the moderation time
            let later = try await sandbox.waitForStatus(publishID, token: token) { _ in true }
            #expect(later["publicaly_available_post_id"]?.array?.isEmpty == true)
        }
    }

    @Test func anInboxUploadEndsInTheUsersInbox() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let video = TestSandbox.mp4(size: 800)
            let data = try await sandbox.initInbox(token: token, size: 800).json["data"]
            #expect(try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...799).status == 201)
            let done = try await sandbox.waitForStatus(data?["publish_id"]?.string ?? "", token: token) { $0["status"]?.string != "PROCESSING_UPLOAD" }
            #expect(done["status"]?.string == "SEND_TO_USER_INBOX")
        }
    }

    @Test(arguments: [true, false])
    func bytesThatAreNotAVideoFailTheFormatCheck(_ webm: Bool) async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let video = webm ? Data([0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 7, count: 600)) : Data(repeating: 0x41, count: 604)
            let data = try await sandbox.initUpload(token: token, size: video.count).json["data"]
            _ = try await sandbox.put(data?["upload_url"]?.string ?? "", video, 0...(video.count - 1), contentType: webm ? "video/webm" : "video/mp4")
            let done = try await sandbox.waitForStatus(data?["publish_id"]?.string ?? "", token: token) { $0["status"]?.string != "PROCESSING_UPLOAD" }
            if webm {
                #expect(done["status"]?.string == "PUBLISH_COMPLETE")
            } else {
                #expect(done["status"]?.string == "FAILED")
                #expect(done["fail_reason"]?.string == "file_format_check_failed")
            }
        }
    }

    @Test func unknownAndForeignPublishIDsAreRefused() async throws {
        try await TestSandbox.run { sandbox in
            let (_, token) = try await sandbox.accessToken()
            let (_, stranger) = try await sandbox.accessToken()
            let publishID = try await sandbox.initUpload(token: token, size: 1000).json["data"]?["publish_id"]?.string ?? ""
            let unknown = try await sandbox.postJSON("/v2/post/publish/status/fetch/", ["publish_id": "v_pub_file~v2-1.1"], token: token)
            #expect(unknown.status == 400)
            #expect(unknown.code == "invalid_publish_id")
            let foreign = try await sandbox.postJSON("/v2/post/publish/status/fetch/", ["publish_id": publishID], token: stranger)
            #expect(foreign.status == 400)
            #expect(foreign.code == "token_not_authorized_for_specified_publish_id")
            let missing = try await sandbox.postJSON("/v2/post/publish/status/fetch/", [:], token: token)
            #expect(missing.code == "invalid_param")
            let cancel = try await sandbox.postJSON("/v2/post/publish/cancel/", ["publish_id": publishID], token: token)
            #expect(cancel.code == "publish_not_cancellable", "only URL pulls can be cancelled")
        }
    }
}
