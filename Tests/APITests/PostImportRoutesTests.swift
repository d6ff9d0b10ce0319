import Domain
import Foundation
import JobQueue
import NIOHTTP1
import Testing

@testable import API

/// `POST /posts/import` against a running API, real PostgreSQL and real Redis: a dry run reports every row and writes
/// nothing, a real run creates and enqueues, the same file again creates nothing new; CSV alike, with its refusals.
@Suite struct PostImportRoutesTests {
    func rows(_ body: [String: Any]) -> [[String: Any]] { body["rows"] as? [[String: Any]] ?? [] }

    @Test func jsonDryRunReportsEveryRowThenTheImportCreatesOnceAndEnqueues() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let body = #"""
                {"rows":[
                  {"idempotency_key":"k1","media_id":"\#(media.id)","account_id":"\#(account.id)","at":"2099-01-15T09:00:00","timezone":"Europe/Paris","post_settings":{"privacy_level":"SELF_ONLY"}},
                  {"idempotency_key":"k2","media_id":"\#(media.id)","account_id":"\#(account.id)","at":"2099-01-16T09:00:00Z","mode":"inbox"},
                  {"idempotency_key":"k3","media_id":"\#(UUID())","account_id":"\#(account.id)","at":"someday","timezone":"Nowhere/Land"}
                ]}
                """#
            #expect(try await api.send(.POST, "/api/v1/posts/import", key: viewer, json: body).status == 403)
            let dry = try await api.send(.POST, "/api/v1/posts/import?dry_run=true", key: editor, json: body)
            #expect(dry.status == 200)
            #expect(dry.body["dry_run"] as? Bool == true && dry.body["created"] as? Int == 2 && dry.body["rejected"] as? Int == 1)
            #expect(self.rows(dry.body).map { $0["status"] as? String } == ["would_create", "would_create", "rejected"])
            let problems = Set((self.rows(dry.body)[2]["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(problems.isSuperset(of: ["media_id", "timezone", "post_settings.privacy_level"]))
            #expect(try await RouteFixtures.count(api, "posts") == 0)
            #expect(try await RouteFixtures.queueStats(api).scheduled == 0)

            let strict = try await api.send(.POST, "/api/v1/posts/import", key: editor, json: body)
            #expect(strict.status == 422)
            let details = (strict.body["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []
            #expect(Set(details.compactMap { $0["field"] as? String }).isSuperset(of: ["rows[3].media_id", "rows[3].timezone"]))
            #expect(!details.contains { ($0["field"] as? String)?.hasPrefix("rows[1].") == true })
            #expect(try await RouteFixtures.count(api, "posts") == 0)
            #expect(try await RouteFixtures.queueStats(api).scheduled == 0)

            let real = try await api.send(.POST, "/api/v1/posts/import?partial=true", key: editor, json: body)
            #expect(real.status == 200 && real.body["dry_run"] as? Bool == false)
            #expect(real.body["created"] as? Int == 2 && real.body["existing"] as? Int == 0 && real.body["rejected"] as? Int == 1)
            let ids = self.rows(real.body).prefix(2).compactMap { $0["post_id"] as? String }
            #expect(ids.count == 2)
            let first = try #require(try await RouteFixtures.job(api, ids[0]))
            #expect(first.state == "scheduled" && first.scheduledFor == ISO8601DateFormatter().date(from: "2099-01-15T08:00:00Z"))
            let post = try await PostRepository(client: api.postgres).get(id: try #require(UUID(uuidString: ids[1]))).post
            #expect(post.status == .queued && post.mode == .inbox)

            let again = try await api.send(.POST, "/api/v1/posts/import?partial=true", key: editor, json: body)
            #expect(again.body["created"] as? Int == 0 && again.body["existing"] as? Int == 2)
            #expect(self.rows(again.body).prefix(2).compactMap { $0["post_id"] as? String } == ids)
            #expect(try await RouteFixtures.count(api, "posts") == 2)
            #expect(try await RouteFixtures.queueStats(api).scheduled == 2)

            #expect(try await api.send(.POST, "/api/v1/posts/import", key: editor, json: #"{"rows":[]}"#).status == 422)
            #expect(try await api.send(.POST, "/api/v1/posts/import", key: editor, json: #"{"rows":[{"idempotency_key":"x"}]}"#).status == 400)
        }
    }

    @Test func csvRowsImportWithSettingColumnsAndBadFilesAreRefused() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let csv = "idempotency_key,media_id,account_id,caption,at,privacy_level,disable_comment,video_cover_timestamp_ms\r\n"
                + "c1,\(media.id),\(account.id),\"Hello, @world\",2099-02-01T10:00:00Z,PUBLIC_TO_EVERYONE,yes,1500\r\n"
                + "c2,\(media.id),\(account.id),,2099-02-01T11:00:00Z,SELF_ONLY,maybe,-3\r\n"
                + "\r\n"
            let dry = try await api.sendRaw(.POST, "/api/v1/posts/import?dry_run=true", key: editor, body: Data(csv.utf8), contentType: "text/csv")
            #expect(dry.status == 200)
            let dryBody = try #require(try JSONSerialization.jsonObject(with: dry.body) as? [String: Any])
            #expect(self.rows(dryBody).map { $0["status"] as? String } == ["would_create", "rejected"])
            #expect(self.rows(dryBody).map { $0["row"] as? Int } == [1, 2])
            let fields = Set((self.rows(dryBody)[1]["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["post_settings.disable_comment", "post_settings.video_cover_timestamp_ms"])

            let strict = try await api.sendRaw(.POST, "/api/v1/posts/import", key: editor, body: Data(csv.utf8), contentType: "text/csv")
            #expect(strict.status == 422)
            #expect(try await RouteFixtures.count(api, "posts") == 0)
            let real = try await api.sendRaw(.POST, "/api/v1/posts/import?partial=true", key: editor, body: Data(csv.utf8), contentType: "text/csv")
            let realBody = try #require(try JSONSerialization.jsonObject(with: real.body) as? [String: Any])
            #expect(realBody["created"] as? Int == 1)
            let id = try #require(self.rows(realBody).first?["post_id"] as? String)
            let post = try await PostRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id))).post
            #expect(post.caption == "Hello, @world")
            #expect(post.postSettings["disable_comment"] == .bool(true) && post.postSettings["video_cover_timestamp_ms"] == .number(1500))
            #expect(try await RouteFixtures.job(api, id)?.state == "scheduled")

            var latin1 = Data("idempotency_key,caption\r\nz,caf".utf8)
            latin1.append(0xE9)
            let encoding = try await api.sendRaw(.POST, "/api/v1/posts/import", key: editor, body: latin1, contentType: "text/csv")
            #expect(encoding.status == 400 && String(decoding: encoding.body, as: UTF8.self).contains("invalid_encoding"))
            let unknown = try await api.sendRaw(
                .POST, "/api/v1/posts/import", key: editor, body: Data("idempotency_key,colour\r\nz,red\r\n".utf8), contentType: "text/csv")
            #expect(unknown.status == 400 && String(decoding: unknown.body, as: UTF8.self).contains("colour"))
            let repeated = try await api.sendRaw(
                .POST, "/api/v1/posts/import", key: editor, body: Data("caption,caption\r\na,b\r\n".utf8), contentType: "text/csv")
            #expect(repeated.status == 400)
            #expect(try await RouteFixtures.count(api, "posts") == 1)
        }
    }

    @Test func formulaCellsAreRefusedAndAnApostropheMeansTheText() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api)
            let media = try await RouteFixtures.media(api)
            let line = { (key: String, caption: String) in "\(key),\(media.id),\(account.id),\(caption),2099-03-01T10:00:00Z,SELF_ONLY\r\n" }
            let header = "idempotency_key,media_id,account_id,caption,at,privacy_level\r\n"
            for caption in ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\"\tpadded\"", "\"\rreturn\""] {
                let reply = try await api.sendRaw(
                    .POST, "/api/v1/posts/import", key: editor, body: Data((header + line("f1", caption)).utf8), contentType: "text/csv")
                #expect(reply.status == 422, "caption \(caption.debugDescription)")
                let details = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["error"] as? [String: Any]
                #expect((details?["details"] as? [[String: Any]])?.first?["field"] as? String == "rows[1].caption")
            }
            let formulaKey = try await api.sendRaw(
                .POST, "/api/v1/posts/import", key: editor, body: Data((header + line("=key", "fine")).utf8), contentType: "text/csv")
            #expect(formulaKey.status == 422)
            #expect(try await RouteFixtures.count(api, "posts") == 0)

            let escaped = try await api.sendRaw(
                .POST, "/api/v1/posts/import", key: editor, body: Data((header + line("f2", "'@brand new video")).utf8), contentType: "text/csv")
            #expect(escaped.status == 200, "\(String(decoding: escaped.body, as: UTF8.self))")
            let id = try #require(
                ((try JSONSerialization.jsonObject(with: escaped.body) as? [String: Any])?["rows"] as? [[String: Any]])?.first?["post_id"] as? String)
            #expect(try await PostRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id))).post.caption == "@brand new video")
        }
    }
}
