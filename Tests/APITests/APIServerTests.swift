import AsyncHTTPClient
import Domain
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Redis
import TestSupport
import Testing
import TikTok

@testable import API

/// `reelay api` against a real PostgreSQL (a fresh migrated schema per test) and the shared real Redis: keys, roles,
/// the JSON error shape, unknown fields, idempotency keys, health and the served documents.
@Suite struct APIServerTests {
    @Test func everyAPIRouteNeedsAValidKeyAndErrorsAreJSON() async throws {
        try await withAPI { api in
            let missing = try await api.send(.GET, "/api/v1/accounts")
            #expect(missing.status == 401)
            #expect((missing.body["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            #expect(missing.headers.first(name: "WWW-Authenticate") != nil)
            let wrong = try await api.send(.GET, "/api/v1/accounts", key: "rly_AAAAAAAAAA_" + String(repeating: "0", count: 64))
            #expect(wrong.status == 401)
            #expect((wrong.body["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
            let junk = try await api.send(.GET, "/api/v1/accounts", key: "not-a-key")
            #expect(junk.status == 401)
            let unknown = try await api.send(.GET, "/nowhere")
            #expect(unknown.status == 404)
            #expect((unknown.body["error"] as? [String: Any])?["code"] as? String == "route_not_found")
            #expect(unknown.headers.first(name: "X-Request-Id") != nil)
            let health = try await api.send(.GET, "/healthz")
            #expect(health.status == 200)
            #expect(health.body["status"] as? String == "ok")
        }
    }

    @Test func viewersReadAndOnlyAdminsManageKeys() async throws {
        try await withAPI { api in
            let viewer = try await api.key(.viewer)
            let editor = try await api.key(.editor)
            let list = try await api.send(.GET, "/api/v1/accounts", key: viewer)
            #expect(list.status == 200)
            #expect((list.body["items"] as? [Any])?.isEmpty == true)
            let write = try await api.send(.POST, "/api/v1/accounts/connect", key: viewer, json: "{}")
            #expect(write.status == 403)
            #expect((write.body["error"] as? [String: Any])?["code"] as? String == "forbidden")
            let keys = try await api.send(.POST, "/api/v1/api-keys", key: editor, json: #"{"name":"x","role":"viewer"}"#)
            #expect(keys.status == 403)
        }
    }

    @Test func unknownFieldsAndBadValuesAreRefusedAndNothingIsWritten() async throws {
        try await withAPI { api in
            let admin = try await api.key(.admin)
            let before = try await APIKeyRepository(client: api.postgres).list().count
            let extra = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"x","role":"viewer","colour":"red"}"#)
            #expect(extra.status == 400)
            let error = extra.body["error"] as? [String: Any]
            #expect(error?["code"] as? String == "invalid_request")
            #expect((error?["details"] as? [[String: Any]])?.first?["field"] as? String == "colour")
            let blank = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"   ","role":"viewer"}"#)
            #expect(blank.status == 422)
            #expect(((blank.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["field"] as? String == "name")
            // A value outside the schema's enum breaks a rule: 422 naming the field; a wrong type is a malformed body: 400.
            let badRole = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"x","role":"root"}"#)
            #expect(badRole.status == 422)
            #expect(((badRole.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["field"] as? String == "role")
            let wrongType = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"x","role":"viewer","expires_at":null}"#)
            #expect(wrongType.status == 400)
            #expect(((wrongType.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["field"] as? String == "expires_at")
            // PostgreSQL text cannot hold U+0000: a NUL in a body's string or in the query is the caller's error, not a 503.
            let nulName = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"a\u0000b","role":"viewer"}"#)
            #expect(nulName.status == 422)
            #expect(((nulName.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["field"] as? String == "name")
            let nulState = try await api.send(.GET, "/oauth/tiktok/callback?code=c&state=ab%00cd")
            #expect(nulState.status == 400)
            #expect((nulState.body["error"] as? [String: Any])?["code"] as? String == "invalid_request")
            let badID = try await api.send(.GET, "/api/v1/accounts/not-a-uuid", key: admin)
            #expect(badID.status == 400)
            let absent = try await api.send(.GET, "/api/v1/accounts/\(UUID().uuidString)", key: admin)
            #expect(absent.status == 404)
            #expect(try await APIKeyRepository(client: api.postgres).list().count == before)
        }
    }

    @Test func anIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() async throws {
        try await withAPI { api in
            let admin = try await api.key(.admin)
            let body = #"{"name":"ci","role":"viewer"}"#
            let first = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: body, headers: [("Idempotency-Key", "create-ci-key")])
            #expect(first.status == 201)
            let again = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: body, headers: [("Idempotency-Key", "create-ci-key")])
            #expect(again.status == 201)
            #expect(again.body["id"] as? String == first.body["id"] as? String)
            #expect(again.body["key"] as? String == first.body["key"] as? String)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            let other = try await api.send(
                .POST, "/api/v1/api-keys", key: admin, json: #"{"name":"other","role":"viewer"}"#, headers: [("Idempotency-Key", "create-ci-key")])
            #expect(other.status == 409)
            #expect((other.body["error"] as? [String: Any])?["code"] as? String == "idempotency_key_reused")
            #expect(try await APIKeyRepository(client: api.postgres).list().filter { $0.name == "ci" }.count == 1)
        }
    }

    @Test func aRevokedKeyStopsWorking() async throws {
        try await withAPI { api in
            let admin = try await api.key(.admin)
            let created = try await api.send(.POST, "/api/v1/api-keys", key: admin, json: #"{"name":"temp","role":"viewer"}"#)
            let key = try #require(created.body["key"] as? String)
            let id = try #require(created.body["id"] as? String)
            #expect(try await api.send(.GET, "/api/v1/accounts", key: key).status == 200)
            #expect(try await api.send(.DELETE, "/api/v1/api-keys/\(id)", key: admin).status == 204)
            #expect(try await api.send(.GET, "/api/v1/accounts", key: key).status == 401)
        }
    }

    @Test func servesItsOpenAPIDocumentAndReferencePage() async throws {
        try await withAPI { api in
            let document = try await api.send(.GET, "/openapi.json")
            #expect(document.status == 200)
            #expect((document.body["openapi"] as? String)?.hasPrefix("3.1") == true)
            var request = HTTPClientRequest(url: api.baseURL + "/docs")
            request.method = .GET
            let page = try await api.http.execute(request, timeout: .seconds(10))
            #expect(page.status == .ok)
            let html = String(buffer: try await page.body.collect(upTo: 1 << 20))
            #expect(html.contains("/openapi.json"))
            #expect(!html.contains("https://cdn"))
        }
    }
}
