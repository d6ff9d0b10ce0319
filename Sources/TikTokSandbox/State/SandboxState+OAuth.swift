import Foundation

/// The seven fields of a token response (reference §1.4/§1.5), in TikTok's flat shape.
struct TokenIssue: Codable, Sendable {
    var accessToken: String
    var expiresIn: Int64
    var openID: String
    var refreshToken: String
    var refreshExpiresIn: Int64
    var scope: String
    var tokenType = "Bearer"

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", expiresIn = "expires_in", openID = "open_id", refreshToken = "refresh_token"
        case refreshExpiresIn = "refresh_expires_in", scope, tokenType = "token_type"
    }
}

extension SandboxState {
    /// A single-use code for `openID` granting `scopes`, or `nil` when the creator does not exist.
    func issueCode(clientKey: String, openID: String, scopes: [String], redirectURI: String, now: Date) -> String? {
        guard self.creators[openID] != nil else { return nil }
        let code = Identifiers.authorizationCode()
        self.codes[code] = AuthorizationCode(
            clientKey: clientKey, openID: openID, scopes: scopes, redirectURI: redirectURI,
            expiresAt: now.addingTimeInterval(self.configuration.authorizationCodeLifetime.timeInterval))
        self.dirty = true
        return code
    }

    /// Exchanges a code once; a used, expired or foreign code, or another `redirect_uri`, is `invalid_grant`.
    func exchange(code: String, clientKey: String, redirectURI: String, now: Date) throws(OAuthError) -> TokenIssue {
        self.codes = self.codes.filter { $0.value.expiresAt > now }
        guard let issued = self.codes.removeValue(forKey: code) else {
            throw .invalidGrant("Authorization code is expired, already used or unknown.")
        }
        self.dirty = true
        guard issued.clientKey == clientKey else { throw .invalidGrant("Authorization code was issued to another client.") }
        guard issued.redirectURI == redirectURI else { throw .invalidGrant("redirect_uri does not match the authorization request.") }
        let refreshExpiresAt = now.addingTimeInterval(self.configuration.refreshTokenLifetime.timeInterval)
        return self.startGrant(clientKey: clientKey, openID: issued.openID, scopes: issued.scopes, refreshExpiresAt: refreshExpiresAt, now: now)
    }

    /// Issues a new token pair for a current refresh token and retires that refresh token (rotation).
    func refresh(refreshToken: String, clientKey: String, now: Date) throws(OAuthError) -> TokenIssue {
        guard let grantID = self.refreshIndex[refreshToken], var grant = self.grants[grantID], !grant.revoked else {
            throw .invalidGrant("Refresh token is invalid, rotated away or revoked.")
        }
        guard grant.clientKey == clientKey else { throw .invalidGrant("Refresh token was issued to another client.") }
        guard grant.refreshExpiresAt > now else { throw .invalidGrant("Refresh token has expired.") }
        self.refreshIndex[refreshToken] = nil
        grant.refreshToken = Identifiers.refreshToken()
        self.refreshIndex[grant.refreshToken] = grantID
        self.grants[grantID] = grant
        return self.issueAccess(grantID: grantID, grant: grant, now: now)
    }

    /// Tokens for `openID` without the browser step (`POST /_sandbox/tokens`), or `nil` for an unknown creator.
    func issueDirectly(openID: String, scopes: [String], now: Date) -> TokenIssue? {
        guard self.creators[openID] != nil else { return nil }
        let refreshExpiresAt = now.addingTimeInterval(self.configuration.refreshTokenLifetime.timeInterval)
        return self.startGrant(
            clientKey: self.configuration.clientKey, openID: openID, scopes: scopes, refreshExpiresAt: refreshExpiresAt, now: now)
    }

    /// Revokes the user's authorization of the app that `token` (an access token) belongs to: every grant of that
    /// user and app, so all their access and refresh tokens stop working. Unknown tokens are ignored (RFC 7009).
    func revoke(token: String, clientKey: String) {
        guard let access = self.accessTokens[token], let grant = self.grants[access.grantID], grant.clientKey == clientKey else { return }
        for (id, other) in self.grants where other.openID == grant.openID && other.clientKey == clientKey {
            self.grants[id]?.revoked = true
            self.refreshIndex[other.refreshToken] = nil
        }
        self.dirty = true
    }

    /// The caller behind a bearer token, or `access_token_invalid` when it is unknown, expired or revoked.
    func authenticate(token: String, now: Date) throws(PostingError) -> Caller {
        guard let access = self.accessTokens[token], access.expiresAt > now, let grant = self.grants[access.grantID], !grant.revoked,
            self.creators[grant.openID] != nil
        else { throw .accessTokenInvalid }
        return Caller(token: token, clientKey: grant.clientKey, openID: grant.openID, scopes: grant.scopes)
    }

    private func startGrant(clientKey: String, openID: String, scopes: [String], refreshExpiresAt: Date, now: Date) -> TokenIssue {
        let grantID = UUID().uuidString
        let grant = Grant(
            clientKey: clientKey, openID: openID, scopes: scopes, refreshToken: Identifiers.refreshToken(),
            refreshExpiresAt: refreshExpiresAt, revoked: false)
        self.grants[grantID] = grant
        self.refreshIndex[grant.refreshToken] = grantID
        return self.issueAccess(grantID: grantID, grant: grant, now: now)
    }

    private func issueAccess(grantID: String, grant: Grant, now: Date) -> TokenIssue {
        let lifetime = self.configuration.accessTokenLifetime
        let token = Identifiers.accessToken()
        self.accessTokens = self.accessTokens.filter { $0.value.expiresAt > now }
        self.accessTokens[token] = AccessToken(grantID: grantID, expiresAt: now.addingTimeInterval(lifetime.timeInterval))
        self.dirty = true
        let refreshSeconds = max(0, grant.refreshExpiresAt.timeIntervalSince(now)).rounded(.up)
        return TokenIssue(
            accessToken: token, expiresIn: lifetime.wholeSecondsRoundedUp, openID: grant.openID, refreshToken: grant.refreshToken,
            refreshExpiresIn: Int64(refreshSeconds), scope: grant.scopes.joined(separator: ","))
    }
}
