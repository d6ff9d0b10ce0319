import Domain
import Foundation
import NIOHTTP1
import Postgres
import Testing

@testable import API

/// `over_budget` through HTTP: the field in create, update and answers; a budget refusal is a 422 `validation_failed`
/// naming the account and day; `spread` moves the overflow to the next day.
@Suite struct CampaignBudgetRoutesTests {
    func body(_ mediaIDs: [String], account: String, overBudget: String? = nil) -> String {
        let ids = mediaIDs.map { "\"\($0)\"" }.joined(separator: ", ")
        let choice = overBudget.map { #", "over_budget": "\#($0)""# } ?? ""
        return """
            {"name": "budget", "mode": "direct_post", "media_ids": [\(ids)], "post_settings": {"privacy_level": "SELF_ONLY"},
             "account_selection": {"account_ids": ["\(account)"]}, "schedule": {"type": "now"}\(choice)}
            """
    }

    @Test func overBudgetRoundTripsAndBudgetsAreEnforcedAtCreateAndStart() async throws {
        try await withAPI { api in
            let editor = try await api.key(.editor)
            let account = try await RouteFixtures.account(api, nickname: "Ana")
            _ = try await api.postgres.execute("UPDATE accounts SET daily_cap = 1 WHERE id = \(account.id)")
            let accountID = account.id.uuidString.lowercased()
            let media = [try await RouteFixtures.media(api).id.uuidString.lowercased(), try await RouteFixtures.media(api).id.uuidString.lowercased()]

            let refused = try await api.send(.POST, "/api/v1/campaigns", key: editor, json: self.body(media, account: accountID))
            #expect(refused.status == 422 && refused.body.errorCode == "validation_failed")
            #expect(refused.body.errorFields == ["budget"])
            let problems = ((refused.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.compactMap { $0["problem"] as? String }
            #expect(problems == ["account \(accountID) (@Ana) would post 2 times on the day it starts (UTC), over its daily cap of 1"])
            #expect(try await RouteFixtures.count(api, "campaigns") == 0)

            let unknown = try await api.send(.POST, "/api/v1/campaigns", key: editor, json: self.body(media, account: accountID, overBudget: "maybe"))
            #expect(unknown.status == 422 || unknown.status == 400, "not one of the schema's values")
            #expect(try await RouteFixtures.count(api, "campaigns") == 0)

            let spread = try await api.send(.POST, "/api/v1/campaigns", key: editor, json: self.body(media, account: accountID, overBudget: "spread"))
            #expect(spread.status == 201 && spread.body["over_budget"] as? String == "spread")
            let spreadID = try #require(spread.body["id"] as? String)
            let started = try await api.send(.POST, "/api/v1/campaigns/\(spreadID)/start", key: editor)
            #expect(started.status == 202)
            let rows = try await api.postgres.query("SELECT run_at, status FROM posts WHERE campaign_id = \(spreadID)::uuid ORDER BY run_at")
            #expect(try rows.map { try $0.decode("status", as: String.self) } == ["queued", "scheduled"])
            let times = try rows.map { try $0.decode("run_at", as: Date.self) }
            #expect(times.count == 2 && abs(times[1].timeIntervalSince(times[0]) - 86_400) < 0.001, "the next day at the same time (UTC)")

            // The default is reject; the spread campaign's posts fill today, so its start is refused and writes nothing.
            let plain = try await api.send(.POST, "/api/v1/campaigns", key: editor, json: self.body([media[0]], account: accountID))
            #expect(plain.status == 201 && plain.body["over_budget"] as? String == "reject")
            let plainID = try #require(plain.body["id"] as? String)
            let full = try await api.send(.POST, "/api/v1/campaigns/\(plainID)/start", key: editor)
            #expect(full.status == 422 && full.body.errorCode == "validation_failed" && full.body.errorFields == ["budget"])
            let detail = ((full.body["error"] as? [String: Any])?["details"] as? [[String: Any]])?.first?["problem"] as? String
            #expect(detail?.hasPrefix("account \(accountID) (@Ana) would post 2 times on ") == true, "\(detail ?? "")")
            #expect(detail?.hasSuffix(" (UTC), over its daily cap of 1") == true)
            #expect(try await api.postgres.query("SELECT count(*) AS n FROM posts WHERE campaign_id = \(plainID)::uuid")[0].decode("n", as: Int.self) == 0)

            let patched = try await api.send(.PATCH, "/api/v1/campaigns/\(plainID)", key: editor, json: #"{"over_budget": "spread"}"#)
            #expect(patched.status == 200 && patched.body["over_budget"] as? String == "spread")
            #expect(try await api.send(.POST, "/api/v1/campaigns/\(plainID)/start", key: editor).status == 202)
        }
    }
}
