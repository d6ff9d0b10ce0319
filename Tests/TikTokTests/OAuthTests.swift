import Foundation
import Testing
import TikTok

@Suite struct OAuthTests {
    static let grant = #"""
        {"access_token":"act.1234567890","expires_in":86400,"open_id":"afd97af1-b87b-48b9-ac98-410aghda5344",
        "refresh_expires_in":31536000,"refresh_token":"rft.0987654321","scope":"user.info.basic,video.publish","token_type":"Bearer"}
        """#

    @Test func authorizeURLIsFormEncoded() throws {
        let client = makeClient(FakeTransport(json: "{}"))
        let url = try client.authorizeURL(state: "a b&c=d", scopes: ["user.info.basic", "video.publish"], disableAutoAuth: true)
        #expect(url.hasPrefix("https://auth.test/v2/auth/authorize/?"))
        let query = try #require(URLComponents(string: url)?.queryItems)
        let fields = Dictionary(uniqueKeysWithValues: query.map { ($0.name, $0.value ?? "") })
        #expect(fields == [
            "client_key": "test-client-key", "scope": "user.info.basic,video.publish", "redirect_uri": "https://reelay.example/callback",
            "state": "a b&c=d", "response_type": "code", "disable_auto_auth": "1",
        ])
        #expect(url.contains("state=a%20b%26c%3Dd"))
        #expect(!url.contains("secret"))
        #expect(throws: TikTokError.self) { try client.authorizeURL(state: "", scopes: ["video.publish"]) }
        #expect(throws: TikTokError.self) { try client.authorizeURL(state: "s", scopes: []) }
    }

    @Test func exchangesACodeWithAFormBody() async throws {
        let transport = FakeTransport(json: Self.grant)
        let grant = try await makeClient(transport).exchangeCode("code/with+special&chars")
        #expect(grant.accessToken == "act.1234567890" && grant.refreshToken == "rft.0987654321")
        #expect(grant.expiresIn == 86400 && grant.refreshExpiresIn == 31_536_000)
        #expect(grant.scopes == ["user.info.basic", "video.publish"])
        #expect(grant.openID == "afd97af1-b87b-48b9-ac98-410aghda5344")
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://api.test/v2/oauth/token/")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(request.form == [
            "client_key": "test-client-key", "client_secret": "test-client-secret-XYZ", "code": "code/with+special&chars",
            "grant_type": "authorization_code", "redirect_uri": "https://reelay.example/callback",
        ])
    }

    @Test func refreshSendsTheRefreshToken() async throws {
        let transport = FakeTransport(json: Self.grant)
        _ = try await makeClient(transport).refresh(refreshToken: "rft.old")
        #expect(transport.requests.first?.form["grant_type"] == "refresh_token")
        #expect(transport.requests.first?.form["refresh_token"] == "rft.old")
    }

    /// The documented flat error shape (§1.8), recognised whatever the HTTP status.
    @Test(arguments: [200, 400, 401])
    func oauthErrorsAreRecognisedByTheirErrorField(status: Int) async {
        let body = #"{"error":"invalid_request","error_description":"The request parameters are malformed.","log_id":"20220622185437010"}"#
        let error = await #expect(throws: TikTokError.self) { try await makeClient(FakeTransport(status: status, json: body)).exchangeCode("c") }
        #expect(error?.code == .invalidRequest)
        #expect(error?.logID == "20220622185437010")
        #expect(error?.message == "The request parameters are malformed.")
        #expect(error?.classification == .permanent)
    }

    @Test func invalidGrantOnRefreshMeansReconnect() async {
        let body = #"{"error":"invalid_grant","error_description":"Refresh token is invalid or expired.","log_id":"L9"}"#
        let error = await #expect(throws: TikTokError.self) { try await makeClient(FakeTransport(status: 400, json: body)).refresh(refreshToken: "rft.x") }
        #expect(error?.classification == .account(.needsReconnect))
    }

    @Test(arguments: ["server_error", "temporarily_unavailable"])
    func serverSideOAuthErrorsAreTransient(code: String) async {
        let body = #"{"error":"\#(code)","error_description":"","log_id":"L"}"#
        let error = await #expect(throws: TikTokError.self) { try await makeClient(FakeTransport(status: 200, json: body)).refresh(refreshToken: "rft.x") }
        #expect(error?.classification == .transient)
    }

    @Test func aGrantMissingFieldsIsMalformed() async {
        let body = #"{"access_token":"act.1","expires_in":86400,"open_id":"o"}"#
        let error = await #expect(throws: TikTokError.self) { try await makeClient(FakeTransport(json: body)).exchangeCode("c") }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message?.contains("refresh") == true, "names the missing field")
        #expect(error?.debugDescription.contains("act.1") == false, "never echoes the reply")
    }

    @Test func revokeAcceptsAnEmptyBody() async throws {
        let transport = FakeTransport { _ in TransportResponse(status: 200) }
        try await makeClient(transport).revoke(accessToken: "act.gone")
        #expect(transport.requests.first?.form["token"] == "act.gone")
        #expect(transport.requests.first?.url == "https://api.test/v2/oauth/revoke/")
        let failing = FakeTransport(json: #"{"error":"invalid_client","error_description":"bad key","log_id":"R1"}"#)
        let error = await #expect(throws: TikTokError.self) { try await makeClient(failing).revoke(accessToken: "act.gone") }
        #expect(error?.code == .invalidClient)
    }

    @Test func missingCredentialsAreCaughtBeforeSending() async {
        let transport = FakeTransport(json: Self.grant)
        let client = makeClient(transport) { $0.clientSecret = "" }
        await #expect(throws: TikTokError.self) { try await client.exchangeCode("c") }
        #expect(transport.requests.isEmpty)
    }
}
