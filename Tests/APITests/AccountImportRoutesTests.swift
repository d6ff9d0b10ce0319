import Domain
import Foundation
import NIOHTTP1
import Postgres
import Testing
import TikTok

@testable import API

/// `POST /accounts/import` against a running API, real PostgreSQL and real Redis: tokens sealed as the OAuth callback
/// seals them and cached after the commit, per-row problems, all-or-nothing unless partial, CSV with its refusals.
@Suite struct AccountImportRoutesTests {
    /// The harness's cipher (same key setting).
    var cipher: TokenCipher { get throws { try TokenCipher(keySetting: "k1:" + Data(repeating: 0x44, count: 32).base64EncodedString()) } }

    static let future = "2099-01-01T00:00:00Z"

    func row(_ openID: String, access: String = "act.\(UUID())", extra: String = "") -> String {
        #"{"open_id":"\#(openID)","access_token":"\#(access)","access_token_expires_at":"\#(Self.future)","refresh_token":"rft.secret","refresh_token_expires_at":"\#(Self.future)"\#(extra)}"#
    }

    /// The stored access token ciphertext of `openID`, opened with the account's context.
    func storedAccessToken(_ api: APIHarness, openID: String) async throws -> String? {
        guard let row = try await api.postgres.query("SELECT access_token_ciphertext FROM accounts WHERE open_id = \(openID)").first else { return nil }
        let sealed = String(decoding: try row.decode("access_token_ciphertext", as: Data.self), as: UTF8.self)
        return try self.cipher.decrypt(sealed, context: APIHandlers.tokenContext(openID: openID))
    }

    @Test func jsonRowsAreImportedWithSealedTokensThenCachedForWorkers() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let openID = "open-\(UUID())"
            let token = "act.secret-\(UUID())"
            let body = #"{"rows":[\#(self.row(openID, access: token, extra: #","nickname":"Alice","labels":["eu"],"timezone":"Europe/Paris","daily_cap":5"#)),\#(self.row("open-\(UUID())"))]}"#
            let reply = try await api.sendRaw(.POST, "/api/v1/accounts/import", key: editor, body: Data(body.utf8), contentType: "application/json")
            #expect(reply.status == 200)
            #expect(!String(decoding: reply.body, as: UTF8.self).contains("secret"))
            let answer = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
            #expect(answer["imported"] as? Int == 2 && answer["rejected"] as? Int == 0)
            let rows = answer["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["row"] as? Int } == [1, 2] && rows.allSatisfy { $0["status"] as? String == "imported" })
            let id = try #require(rows.first?["account_id"] as? String)

            let raw = try await api.postgres.query("SELECT access_token_ciphertext FROM accounts WHERE open_id = \(openID)").first
            #expect(try raw?.decode("access_token_ciphertext", as: Data.self) != Data(token.utf8))
            #expect(try await self.storedAccessToken(api, openID: openID) == token)
            let account = try await AccountRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id)))
            #expect(account.labels == ["eu"] && account.timezone == "Europe/Paris" && account.dailyCap == 5 && account.nickname == "Alice")
            let cached = try await TokenCache(redis: api.redis, cipher: try self.cipher).get(account: id)
            #expect(cached?.accessToken == token && cached?.openID == openID)

            // The same open_id again updates the account (new token), and creates no other.
            let newToken = "act.rotated-\(UUID())"
            let again = try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: #"{"rows":[\#(self.row(openID, access: newToken))]}"#)
            #expect(again.status == 200 && again.body["imported"] as? Int == 1)
            #expect(try await RouteFixtures.count(api, "accounts") == 2)
            #expect(try await self.storedAccessToken(api, openID: openID) == newToken)
            #expect(try await TokenCache(redis: api.redis, cipher: try self.cipher).get(account: id)?.accessToken == newToken)
        }
    }

    @Test func aBadRowImportsNothingUnlessPartialAndEveryProblemIsReported() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let viewer = try await api.key(.viewer)
            let good = "open-\(UUID())"
            let body = #"{"rows":[\#(self.row(good)),\#(self.row("open-\(UUID())", extra: #","timezone":"Mars/Olympus","daily_cap":5000,"labels":["bad label"]"#)),\#(self.row(good))]}"#
            #expect(try await api.send(.POST, "/api/v1/accounts/import", key: viewer, json: body).status == 403)
            let strict = try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: body)
            #expect(strict.status == 422)
            let error = strict.body["error"] as? [String: Any] ?? [:]
            #expect(error["code"] as? String == "validation_failed")
            #expect((error["message"] as? String)?.contains("2 of 3 rows are invalid") == true)
            let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields).isSuperset(of: ["rows[2].timezone", "rows[2].daily_cap", "rows[3].open_id"]))
            #expect(fields.contains { $0.hasPrefix("rows[2].labels") } && !fields.contains { $0.hasPrefix("rows[1].") })
            #expect(try await RouteFixtures.count(api, "accounts") == 0)

            let partial = try await api.send(.POST, "/api/v1/accounts/import?partial=true", key: editor, json: body)
            #expect(partial.status == 200 && partial.body["imported"] as? Int == 1 && partial.body["rejected"] as? Int == 2)
            let rows = partial.body["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["status"] as? String } == ["imported", "rejected", "rejected"])
            #expect((rows.last?["errors"] as? [[String: Any]])?.first?["field"] as? String == "open_id")
            #expect(try await RouteFixtures.count(api, "accounts") == 1)

            let missing = try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: #"{"rows":[{"open_id":"x"}]}"#)
            #expect(missing.status == 400)
            #expect(try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: #"{"rows":[]}"#).status == 422)
            #expect(try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: #"{"rows":[],"extra":1}"#).status == 400)
            // A token that could never go into an Authorization header is refused now, not at the account's first use.
            let badToken = try await api.send(.POST, "/api/v1/accounts/import", key: editor, json: #"{"rows":[\#(self.row("open-\(UUID())", access: "act with spaces é"))]}"#)
            #expect(badToken.status == 422)
            #expect(((badToken.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["field"] as? String == "rows[1].access_token")
            #expect(try await RouteFixtures.count(api, "accounts") == 1)
        }
    }

    @Test func csvRowsAreImportedAndFormulaCellsOrBadFilesAreRefused() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let header = "open_id,access_token,access_token_expires_at,refresh_token,refresh_token_expires_at,scopes,nickname,labels,daily_cap\r\n"
            let first = "open-\(UUID())"
            let csv = header
                + "\(first),act.one,\(Self.future),rft.one,\(Self.future),video.publish|user.info.basic,\"Alice, the first\",eu|fr,7\r\n"
                + "open-\(UUID()),act.two,\(Self.future),rft.two,\(Self.future),,=1+2,,\r\n"
                + "open-\(UUID()),act.three,yesterday,,\(Self.future),,@bob,,lots\r\n"
            let strict = try await api.sendRaw(.POST, "/api/v1/accounts/import", key: editor, body: Data(csv.utf8), contentType: "text/csv")
            #expect(strict.status == 422)
            let answer = try #require(try JSONSerialization.jsonObject(with: strict.body) as? [String: Any])
            let details = (answer["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []
            #expect(Set(details.compactMap { $0["field"] as? String }) == [
                "rows[2].nickname", "rows[3].nickname", "rows[3].access_token_expires_at", "rows[3].refresh_token", "rows[3].daily_cap",
            ])
            #expect(try await RouteFixtures.count(api, "accounts") == 0)

            let partial = try await api.sendRaw(.POST, "/api/v1/accounts/import?partial=true", key: editor, body: Data(csv.utf8), contentType: "text/csv")
            #expect(partial.status == 200)
            let rows = (try JSONSerialization.jsonObject(with: partial.body) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["status"] as? String } == ["imported", "rejected", "rejected"])
            #expect(rows.map { $0["row"] as? Int } == [1, 2, 3])
            let id = try #require(
                ((try JSONSerialization.jsonObject(with: partial.body) as? [String: Any])?["rows"] as? [[String: Any]])?.first?["account_id"] as? String)
            let account = try await AccountRepository(client: api.postgres).get(id: try #require(UUID(uuidString: id)))
            #expect(account.nickname == "Alice, the first" && account.labels == ["eu", "fr"] && account.dailyCap == 7)
            #expect(Set(account.scopes) == ["video.publish", "user.info.basic"])
            #expect(try await self.storedAccessToken(api, openID: first) == "act.one")

            var latin1 = Data(header.utf8)
            latin1.append(contentsOf: Array("open-x,act,\(Self.future),rft,\(Self.future),,Ren".utf8) + [0xE9] + Array(",,\r\n".utf8))
            let encoding = try await api.sendRaw(.POST, "/api/v1/accounts/import", key: editor, body: latin1, contentType: "text/csv")
            #expect(encoding.status == 400)
            #expect(String(decoding: encoding.body, as: UTF8.self).contains("invalid_encoding"))
            let unknown = try await api.sendRaw(
                .POST, "/api/v1/accounts/import", key: editor, body: Data("open_id,password\r\nx,y\r\n".utf8), contentType: "text/csv")
            #expect(unknown.status == 400 && String(decoding: unknown.body, as: UTF8.self).contains("password"))
            let ragged = try await api.sendRaw(
                .POST, "/api/v1/accounts/import", key: editor, body: Data((header + "a,b,c,d,e,f,g,h,i,j\r\n").utf8), contentType: "text/csv")
            #expect(ragged.status == 400)
            let empty = try await api.sendRaw(.POST, "/api/v1/accounts/import", key: editor, body: Data(header.utf8), contentType: "text/csv")
            #expect(empty.status == 422)
            #expect(try await RouteFixtures.count(api, "accounts") == 1)
        }
    }
}
