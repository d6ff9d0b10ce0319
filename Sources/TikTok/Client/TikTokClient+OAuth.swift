/// OAuth 2.0 (Login Kit for Web, v2; reference §1). Form-encoded requests; errors arrive in the flat
/// `{"error","error_description","log_id"}` shape and are recognised by the presence of `error`, not by HTTP status.
extension TikTokClient {
    /// The authorization page URL to send the account owner's browser to (§1.2), its query form-encoded.
    /// - Parameters:
    ///   - state: An opaque, unguessable value (CSRF); verify it on the callback.
    ///   - scopes: The scopes to ask for, such as `["user.info.basic", "video.publish", "video.upload"]`.
    ///   - disableAutoAuth: True to always show the consent page (useful when connecting several accounts from one browser).
    /// - Throws: ``TikTokError/Code/invalidArgument`` when the state, scopes, client key or redirect URI is empty.
    public func authorizeURL(state: String, scopes: [String], disableAutoAuth: Bool = false) throws(TikTokError) -> String {
        guard !state.isEmpty, !scopes.isEmpty, scopes.allSatisfy({ !$0.isEmpty && !$0.contains(",") }) else {
            throw TikTokError(.invalidArgument, message: "state and at least one scope are required")
        }
        guard !self.configuration.clientKey.isEmpty, !self.configuration.redirectURI.isEmpty else {
            throw TikTokError(.invalidArgument, message: "client key or redirect URI not configured")
        }
        let query = FormEncoding.encode([
            ("client_key", self.configuration.clientKey), ("scope", scopes.joined(separator: ",")),
            ("redirect_uri", self.configuration.redirectURI), ("state", state), ("response_type", "code"),
            ("disable_auto_auth", disableAutoAuth ? "1" : "0"),
        ])
        return self.url(self.configuration.authBaseURL, "/v2/auth/authorize/") + "?" + query
    }

    /// Exchanges the callback's authorization `code` (already URL-decoded) for tokens (§1.4).
    /// - Throws: ``TikTokError``; `invalid_grant` when the code is invalid, used or expired.
    public func exchangeCode(_ code: String) async throws(TikTokError) -> TokenGrant {
        guard !code.isEmpty else { throw TikTokError(.invalidArgument, message: "authorization code is empty") }
        let response = try await self.callOAuth(
            "oauth.token", path: "/v2/oauth/token/",
            fields: [("code", code), ("grant_type", "authorization_code"), ("redirect_uri", self.configuration.redirectURI)],
            emptyMeansSuccess: false)
        return try self.decodeGrant(response, endpoint: "oauth.token")
    }

    /// Gets a new token pair with a refresh token (§1.5). TikTok may rotate the refresh token: persist the returned one
    /// before using the new access token.
    /// - Throws: ``TikTokError``; `invalid_grant` (class `account(needsReconnect)`) when the refresh token is dead.
    public func refresh(refreshToken: String) async throws(TikTokError) -> TokenGrant {
        guard !refreshToken.isEmpty else { throw TikTokError(.invalidArgument, message: "refresh token is empty") }
        let response = try await self.callOAuth(
            "oauth.refresh", path: "/v2/oauth/token/",
            fields: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], emptyMeansSuccess: false)
        return try self.decodeGrant(response, endpoint: "oauth.refresh")
    }

    /// Revokes the user's access token (§1.7): the app leaves the user's "Manage app permissions". Success is an empty
    /// body (or JSON without `error`).
    public func revoke(accessToken: String) async throws(TikTokError) {
        try Self.checkToken(accessToken)
        _ = try await self.callOAuth("oauth.revoke", path: "/v2/oauth/revoke/", fields: [("token", accessToken)], emptyMeansSuccess: true)
        self.count("oauth.revoke", outcome: "ok")
    }

    private func decodeGrant(_ response: TransportResponse, endpoint: String) throws(TikTokError) -> TokenGrant {
        do throws(TikTokError) {
            let grant = try ReplyDecoding.decode(TokenGrant.self, from: response.body, status: response.status, logID: Self.headerLogID(response))
            self.count(endpoint, outcome: "ok")
            return grant
        } catch {
            throw self.logged(error, endpoint: endpoint)
        }
    }
}
