import API
import Foundation
import Logging
import Testing

@testable import Reelay

/// The JSON log lines: one valid object per line whatever the message holds, the ids of the request or job, and no
/// credential under a field that names one.
@Suite struct JSONLogHandlerTests {
    func lines(_ write: (Logger) -> Void, provider: Logger.MetadataProvider? = nil) throws -> [[String: Any]] {
        let sink = LogSink.capturing()
        var logger = Logger(label: "reelay.test") { label in JSONLogHandler(label: label, sink: sink, metadataProvider: provider) }
        logger.logLevel = .trace
        write(logger)
        return try sink.captured.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "one line per record")
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func everyRecordIsOneJSONObjectWithItsFields() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t bell \u{07} separator \u{2028} emoji 🎬"
        let records = try self.lines { logger in
            var logger = logger
            logger[metadataKey: "job.id"] = "0b1c"
            logger.info("\(hostile)", metadata: ["post.id": "p1", "account.id": "a1", "nested": ["inner": "x", "list": ["1", "2"]]])
        }
        let record = try #require(records.first)
        #expect(record["msg"] as? String == hostile)
        #expect(record["level"] as? String == "info")
        #expect(record["logger"] as? String == "reelay.test")
        #expect((record["ts"] as? String).flatMap { try? Date($0, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) } != nil)
        #expect(record["job.id"] as? String == "0b1c" && record["post.id"] as? String == "p1" && record["account.id"] as? String == "a1")
        #expect(record["nested.inner"] as? String == "x")
        #expect(record["nested.list"] as? [String] == ["1", "2"])
        #expect(record["source"] == nil, "source and file:line only at debug and below")
    }

    @Test func fieldsThatNameACredentialAreRedactedWhateverTheirValue() throws {
        let records = try self.lines { logger in
            logger.notice(
                "careless", metadata: [
                    "access_token": "act.secret", "refresh_token": "rft.secret", "client_secret": "cs", "Authorization": "Bearer x",
                    "tiktok.upload_token": "ut", "api_key": "rly_x", "password": "pw", "api_key_id": "k-123", "account.id": "a1",
                ])
        }
        let record = try #require(records.first)
        for field in ["access_token", "refresh_token", "client_secret", "Authorization", "tiktok.upload_token", "api_key", "password"] {
            #expect(record[field] as? String == "<redacted>", "\(field)")
        }
        #expect(record["api_key_id"] as? String == "k-123")
        #expect(record["account.id"] as? String == "a1")
        let text = try #require(String(data: try JSONSerialization.data(withJSONObject: record), encoding: .utf8))
        #expect(!text.contains("act.secret") && !text.contains("rft.secret"))
        #expect(!text.contains("rly_x") && !text.contains("Bearer x"))
    }

    @Test func aRequestsLinesCarryItsIdThroughTheMetadataProvider() async throws {
        let sink = LogSink.capturing()
        let logger = Logger(label: "reelay.api") { label in JSONLogHandler(label: label, sink: sink, metadataProvider: RequestScope.metadataProvider) }
        await RequestScope.$requestID.withValue("req-42") { logger.info("inside a request") }
        logger.info("outside")
        let records = try sink.captured.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.count == 2)
        #expect(records[0]["request.id"] as? String == "req-42")
        #expect(records[1]["request.id"] == nil)
    }

    @Test func metricNamesBecomePrometheusNames() {
        #expect(Observability.prometheusName("reelay.jobs.completed") == "reelay_jobs_completed")
        #expect(Observability.prometheusName("http.server.request.duration") == "http_server_request_duration")
        #expect(Observability.prometheusName("9lives-x") == "_lives_x")
    }
}
