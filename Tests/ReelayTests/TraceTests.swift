import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing
import TikTok

/// Tracing through real processes: `reelay api` and `reelay worker` export spans (OTLP/HTTP JSON) to a small collector
/// of the test's own. One post must be one trace: the API request that created it is the parent of the worker's
/// `publish` span, which is the parent of every TikTok call the publish made.
@Suite(.serialized) struct TraceTests {
    @Test func onePostIsOneTraceFromTheAPIRequestThroughTheQueueToEveryTikTokCall() async throws {
        try await SpanCollector.with { collector in
            try await FullFlow.with(extraEnvironment: ["REELAY_OTLP_ENDPOINT": collector.url]) { flow in
                let admin = flow.adminKey
                // Connect one sandbox creator through the OAuth routes.
                let connect = try await flow.api("POST", "/api/v1/accounts/connect", key: admin, json: #"{"labels": ["trace"]}"#)
                let authorize = try #require(connect.json["authorize_url"] as? String)
                let consent = try await flow.raw("GET", authorize + "&sandbox_open_id=" + flow.openIDs[0])
                let callback = try #require(consent.headers.first { $0.name.lowercased() == "location" }?.value)
                let account = try await flow.raw("GET", callback)
                let accountID = try #require(account.json["id"] as? String)

                let video = MediaFixture.mp4(mediaBytes: 1_500_000, durationMs: 10_000, width: 1080, height: 1920)
                let boundary = "trace-\(UUID().uuidString)"
                var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
                body += video + Array("\r\n--\(boundary)--\r\n".utf8)
                let upload = try await flow.api("POST", "/api/v1/media", key: admin, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
                let mediaID = try #require(upload.json["id"] as? String)
                let created = try await flow.api(
                    "POST", "/api/v1/campaigns", key: admin,
                    json: """
                        {"name": "traced", "mode": "direct_post", "media_ids": ["\(mediaID)"], "caption_template": "traced #{index}",
                         "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"account_ids": ["\(accountID)"]},
                         "strategy": "round_robin", "schedule": {"type": "now"}}
                        """)
                let campaignID = try #require(created.json["id"] as? String)
                let started = try await flow.api("POST", "/api/v1/campaigns/\(campaignID)/start", key: admin)
                #expect(started.status == 202)
                let worker = try flow.startWorker()
                defer { worker.signal(SIGKILL) }
                try await eventually("the post completed", timeout: .seconds(90), poll: .milliseconds(250)) {
                    let progress = try await flow.api("GET", "/api/v1/campaigns/\(campaignID)/progress", key: admin)
                    return (progress.json["by_status"] as? [String: Any])?["completed"] as? Int == 1
                }
                let posts = try await flow.api("GET", "/api/v1/posts?campaign_id=\(campaignID)", key: admin)
                let postID = try #require((posts.json["items"] as? [[String: Any]])?.first?["id"] as? String)

                // Spans are batched every second. A publish that waits for TikTok's verdict snoozes and runs again: each run
                // is a `publish` span of its own, and all of them hang off the same request.
                func runs(_ spans: [ExportedSpan]) -> [ExportedSpan] { spans.filter { $0.name == "publish" && $0.attributes["reelay.post.id"] == postID } }
                try await eventually("the spans arrived", timeout: .seconds(30), poll: .milliseconds(250)) {
                    let spans = collector.spans()
                    let ids = Set(runs(spans).map(\.spanID))
                    let calls = Set(spans.filter { ids.contains($0.parentSpanID) }.map(\.name))
                    return calls.isSuperset(of: ["tiktok creator_info", "tiktok video.init", "tiktok upload", "tiktok status"])
                }
                let spans = collector.spans()
                let publishes = runs(spans)
                let first = try #require(publishes.first)
                // The parent of every run is the API's server span of the request that started the campaign, in its trace.
                let request = try #require(spans.first { $0.spanID == first.parentSpanID }, "the publish span's parent was not exported")
                #expect(request.service == "reelay-api")
                #expect(request.kind == 2)  // server
                #expect(request.name == "/api/v1/campaigns/{id}/start")
                for publish in publishes {
                    #expect(publish.service == "reelay-worker")
                    #expect(publish.kind == 5)  // consumer
                    #expect(publish.parentSpanID == request.spanID)
                    #expect(publish.traceID == request.traceID)
                }
                // Every TikTok call of the publish is a child of one of its runs, in the same trace, and carries no URL.
                let runIDs = Set(publishes.map(\.spanID))
                let calls = spans.filter { runIDs.contains($0.parentSpanID) }
                #expect(calls.count >= 4)
                for call in calls {
                    #expect(call.traceID == request.traceID)
                    #expect(call.kind == 3)  // client
                    #expect(call.name.hasPrefix("tiktok "))
                }
                // No span anywhere records a credential: the upload URL's token, a media URL's signature, OAuth codes.
                for span in spans {
                    for value in span.attributes.values {
                        #expect(!value.contains("upload_token="), "span \(span.name) records an upload URL")
                        for pair in value.split(whereSeparator: { $0 == "&" || $0 == "?" }) where ["signature", "code", "state"].contains(pair.split(separator: "=").first ?? "") {
                            #expect(pair.hasSuffix("=REDACTED"), "span \(span.name) records a credential: \(pair.split(separator: "=").first ?? "")")
                        }
                    }
                }
            }
        }
    }
}

/// One exported span, as the test reads it from OTLP JSON.
struct ExportedSpan: Sendable {
    var service: String
    var name: String
    var traceID: String
    var spanID: String
    var parentSpanID: String
    var kind: Int
    var attributes: [String: String]
}

/// An OTLP/HTTP collector of the test's own: `POST /v1/traces` with a JSON `ExportTraceServiceRequest`, kept in memory.
final class SpanCollector: Sendable {
    let url: String
    private let received = Mutex<[ExportedSpan]>([])

    private init(url: String) { self.url = url }

    func spans() -> [ExportedSpan] { self.received.withLock { $0 } }

    static func with(_ body: (SpanCollector) async throws -> Void) async throws {
        let port = try Host.freePort()
        let collector = SpanCollector(url: "http://127.0.0.1:\(port)")
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 64 << 20)
            collector.ingest(Data(bytes.readableBytesView))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        var logger = Logger(label: "collector")
        logger.logLevel = .warning
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            defer { group.cancelAll() }
            let probe = HTTPClientTransport()
            try await eventually("the collector listens", timeout: .seconds(10), poll: .milliseconds(50)) {
                let reply = try? await probe.send(TransportRequest(method: "GET", url: collector.url + "/"), deadline: .seconds(2), maxResponseBytes: 1 << 16)
                return reply != nil
            }
            await probe.shutdown()
            try await body(collector)
        }
    }

    private func ingest(_ data: Data) {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        var spans: [ExportedSpan] = []
        for resource in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resourceAttributes = Self.attributes((resource["resource"] as? [String: Any])?["attributes"])
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    spans.append(
                        ExportedSpan(
                            service: resourceAttributes["service.name"] ?? "", name: span["name"] as? String ?? "",
                            traceID: span["traceId"] as? String ?? "", spanID: span["spanId"] as? String ?? "",
                            parentSpanID: span["parentSpanId"] as? String ?? "", kind: span["kind"] as? Int ?? 0,
                            attributes: Self.attributes(span["attributes"])))
                }
            }
        }
        self.received.withLock { $0 += spans }
    }

    /// OTLP attributes (`[{"key", "value": {"stringValue" | "intValue" | …}}]`) as strings.
    private static func attributes(_ raw: Any?) -> [String: String] {
        var out: [String: String] = [:]
        for item in raw as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String, let value = (item["value"] as? [String: Any])?.values.first else { continue }
            out[key] = "\(value)"
        }
        return out
    }
}
