import Foundation
import TestSupport
import Testing
import TikTokSandbox

/// The authorize page, the callback redirect and every authorize error of reference §1.2/§1.3.
@Suite struct AuthorizeTests {
    @Test func thePageListsCreatorsWithApproveLinks() async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator(["nickname": "Ada <Lovelace>", "username": "ada"])
            let page = try await sandbox.send(.GET, sandbox.authorizePath())
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Ada &lt;Lovelace&gt;"))
            #expect(page.text.contains("sandbox_open_id=\(openID)"))
        }
    }

    @Test func approvingRedirectsWithCodeScopesAndState() async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator()
            let callback = try await sandbox.authorize(openID, scope: "user.info.basic,video.publish", state: "csrf 42")
            #expect(callback["state"] == "csrf 42")
            #expect(callback["scopes"] == "user.info.basic,video.publish")
            #expect((callback["code"] ?? "").count >= 16)
            let partial = try await sandbox.authorize(openID, scope: "user.info.basic,video.publish", extra: "&sandbox_scopes=video.publish")
            #expect(partial["scopes"] == "video.publish")
        }
    }

    @Test func unusableAppOrRedirectGetsAnErrorPage() async throws {
        try await TestSandbox.run { sandbox in
            #expect(try await sandbox.send(.GET, sandbox.authorizePath(clientKey: "nope")).status == 400)
            #expect(try await sandbox.send(.GET, sandbox.authorizePath(redirect: "http://app.example.com/cb")).status == 400)
            #expect(try await sandbox.send(.GET, sandbox.authorizePath(redirect: "https://app.example.com/cb?x=1")).status == 400)
            #expect(try await sandbox.send(.GET, sandbox.authorizePath(redirect: "relative/path")).status == 400)
            let loopback = try await sandbox.send(.GET, sandbox.authorizePath(redirect: "http://127.0.0.1:8080/cb"))
            #expect(loopback.status == 200, "http is fine for loopback redirect URIs")
            let unknown = try await sandbox.send(.GET, sandbox.authorizePath() + "&sandbox_open_id=nobody")
            #expect(unknown.status == 400)
        }
    }

    @Test(arguments: [
        ("response_type", "unsupported_response_type"), ("scope", "invalid_scope"), ("state", "invalid_request"), ("deny", "access_denied"),
    ])
    func errorsGoBackToTheRedirectURI(_ broken: String, _ expected: String) async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator()
            var path: String
            switch broken {
            case "response_type": path = sandbox.authorizePath(responseType: "token")
            case "scope": path = sandbox.authorizePath(scope: "video.publish,video.delete")
            case "state": path = sandbox.authorizePath(state: "")
            default: path = sandbox.authorizePath() + "&sandbox_decision=deny"
            }
            let reply = try await sandbox.send(.GET, path + "&sandbox_open_id=\(openID)")
            #expect(reply.status == 302)
            let location = URLComponents(string: reply.headers["location"] ?? "")
            #expect(location?.host == "app.example.com")
            let items = Dictionary(uniqueKeysWithValues: (location?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["error"] == expected)
            #expect(items["error_description"]?.isEmpty == false)
            #expect(items["code"] == nil)
        }
    }
}

/// `/v2/oauth/token/` and `/v2/oauth/revoke/` (reference §1.4–1.8).
@Suite struct TokenTests {
    @Test func aCodeIsExchangedOnceOnly() async throws {
        try await TestSandbox.run { sandbox in
            let openID = try await sandbox.creator()
            let code = try await sandbox.authorize(openID)["code"] ?? ""
            let first = try await sandbox.exchange(code)
            #expect(first.status == 200)
            #expect(first.json["open_id"]?.string == openID)
            #expect(first.json["access_token"]?.string?.hasPrefix("act.") == true)
            #expect(first.json["refresh_token"]?.string?.hasPrefix("rft.") == true)
            #expect(first.json["expires_in"]?.int == 86_400)
            #expect(first.json["refresh_expires_in"]?.int == 31_536_000)
            #expect(first.json["token_type"]?.string == "Bearer")
            #expect(first.json["scope"]?.string == "user.info.basic,video.publish,video.upload")
            let again = try await sandbox.exchange(code)
            #expect(again.json["error"]?.string == "invalid_grant")
        }
    }

    @Test func theRedirectURIMustMatchTheAuthorizeRequest() async throws {
        try await TestSandbox.run { sandbox in
            let code = try await sandbox.authorize(try await sandbox.creator())["code"] ?? ""
            let reply = try await sandbox.exchange(code, redirect: "https://other.example.com/cb")
            #expect(reply.json["error"]?.string == "invalid_grant")
        }
    }

    @Test func codesExpire() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let creator = try await sandbox.creator()
            let (early, late) = (try await sandbox.authorize(creator)["code"] ?? "", try await sandbox.authorize(creator)["code"] ?? "")
            clock.advance(by: sandbox.configuration.authorizationCodeLifetime - .seconds(1))
            #expect(try await sandbox.exchange(early).status == 200, "a code works until its lifetime ends")
            clock.advance(by: .seconds(2))
            #expect(try await sandbox.exchange(late).json["error"]?.string == "invalid_grant")
        }
    }

    @Test func refreshRotatesAndTheOldRefreshTokenStopsWorking() async throws {
        try await TestSandbox.run { sandbox in
            let tokens = try await sandbox.login(try await sandbox.creator())
            let old = tokens["refresh_token"]?.string ?? ""
            let form = { (token: String) in
                ["client_key": sandbox.configuration.clientKey, "client_secret": sandbox.configuration.clientSecret,
                 "grant_type": "refresh_token", "refresh_token": token]
            }
            let refreshed = try await sandbox.postForm("/v2/oauth/token/", form(old))
            #expect(refreshed.status == 200)
            let new = refreshed.json["refresh_token"]?.string ?? ""
            #expect(new.hasPrefix("rft.") && new != old)
            #expect(refreshed.json["access_token"]?.string != tokens["access_token"]?.string)
            #expect(refreshed.json.keys == tokens.keys)
            let replay = try await sandbox.postForm("/v2/oauth/token/", form(old))
            #expect(replay.status == 400)
            #expect(replay.json["error"]?.string == "invalid_grant")
            #expect(try await sandbox.postForm("/v2/oauth/token/", form(new)).status == 200)
        }
    }

    @Test func accessTokensExpire() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let (_, token) = try await sandbox.accessToken()
            #expect(try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token).code == "ok")
            clock.advance(by: sandbox.configuration.accessTokenLifetime - .seconds(1))
            #expect(try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token).code == "ok")
            clock.advance(by: .seconds(2))
            let expired = try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: token)
            #expect(expired.status == 401)
            #expect(expired.code == "access_token_invalid")
        }
    }

    @Test func refreshTokensExpire() async throws {
        let clock = ManualClock()
        try await TestSandbox.run({ $0.clock = clock.read }) { sandbox in
            let tokens = try await sandbox.login(try await sandbox.creator())
            let refresh = { (token: String) in
                try await sandbox.postForm(
                    "/v2/oauth/token/",
                    ["client_key": sandbox.configuration.clientKey, "client_secret": sandbox.configuration.clientSecret,
                     "grant_type": "refresh_token", "refresh_token": token])
            }
            clock.advance(by: sandbox.configuration.refreshTokenLifetime - .seconds(1))
            let rotated = try await refresh(tokens["refresh_token"]?.string ?? "")
            #expect(rotated.status == 200, "a refresh token works until its lifetime ends")
            clock.advance(by: .seconds(2))
            let reply = try await refresh(rotated.json["refresh_token"]?.string ?? "")
            #expect(reply.json["error"]?.string == "invalid_grant", "the rotated token keeps the first token's end")
        }
    }

    @Test func revokeEndsTheAccessAndRefreshTokens() async throws {
        try await TestSandbox.run { sandbox in
            let tokens = try await sandbox.login(try await sandbox.creator())
            let access = tokens["access_token"]?.string ?? ""
            let revoke = try await sandbox.postForm(
                "/v2/oauth/revoke/",
                ["client_key": sandbox.configuration.clientKey, "client_secret": sandbox.configuration.clientSecret, "token": access])
            #expect(revoke.status == 200)
            #expect(revoke.body.isEmpty)
            #expect(try await sandbox.postJSON("/v2/post/publish/creator_info/query/", [:], token: access).code == "access_token_invalid")
            let refresh = try await sandbox.postForm(
                "/v2/oauth/token/",
                ["client_key": sandbox.configuration.clientKey, "client_secret": sandbox.configuration.clientSecret,
                 "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]?.string ?? ""])
            #expect(refresh.json["error"]?.string == "invalid_grant")
        }
    }

    @Test(arguments: ["content_type", "missing_code", "missing_grant", "bad_secret", "unsupported_grant", "missing_client"])
    func tokenErrorsAreFlatOAuthErrors(_ mistake: String) async throws {
        try await TestSandbox.run { sandbox in
            let code = try await sandbox.authorize(try await sandbox.creator())["code"] ?? ""
            var form = [
                "client_key": sandbox.configuration.clientKey, "client_secret": sandbox.configuration.clientSecret, "code": code,
                "grant_type": "authorization_code", "redirect_uri": TestSandbox.redirect,
            ]
            let expected: String
            let reply: Reply
            switch mistake {
            case "content_type":
                expected = "invalid_request"
                reply = try await sandbox.postJSON("/v2/oauth/token/", form)
            default:
                switch mistake {
                case "missing_code": form["code"] = nil; expected = "invalid_request"
                case "missing_grant": form["grant_type"] = nil; expected = "invalid_request"
                case "bad_secret": form["client_secret"] = "wrong"; expected = "invalid_client"
                case "unsupported_grant": form["grant_type"] = "password"; expected = "unsupported_grant_type"
                default: form["client_key"] = nil; expected = "invalid_request"
                }
                reply = try await sandbox.postForm("/v2/oauth/token/", form)
            }
            #expect(reply.status >= 400)
            #expect(reply.json.keys == ["error", "error_description", "log_id"])
            #expect(reply.json["error"]?.string == expected)
            #expect((reply.json["log_id"]?.string ?? "").count >= 20)
            // The code was not spent by the failed attempt (except when the request itself was fine).
            #expect(try await sandbox.exchange(code).status == 200)
        }
    }
}
