import Foundation
import Hummingbird

/// `POST /v2/oauth/token/` (reference §1.4–1.6): `authorization_code` and `refresh_token` grants with refresh-token
/// rotation; errors in the flat OAuth shape.
struct TokenEndpoint {
    let app: SandboxApp

    func respond(to request: Request) async -> Response {
        let logID = Identifiers.logID()
        do throws(OAuthError) {
            let form = try await OAuthForm.read(request)
            if let forced = await self.app.state.forcedOAuthError(.token) { throw .forced(forced) }
            try OAuthForm.checkClient(form, configuration: self.app.configuration)
            let issue: TokenIssue
            switch form["grant_type"] {
            case "authorization_code"?:
                guard let code = form["code"], !code.isEmpty else { throw .invalidRequest("code is required.") }
                guard let redirect = form["redirect_uri"], !redirect.isEmpty else { throw .invalidRequest("redirect_uri is required.") }
                issue = try await self.app.state.exchange(code: code, clientKey: self.app.configuration.clientKey, redirectURI: redirect, now: self.app.now())
            case "refresh_token"?:
                guard let token = form["refresh_token"], !token.isEmpty else { throw .invalidRequest("refresh_token is required.") }
                issue = try await self.app.state.refresh(refreshToken: token, clientKey: self.app.configuration.clientKey, now: self.app.now())
            case "client_credentials"?:
                // Client tokens serve the Research/Commercial Content APIs only; the sandbox's app is not approved for them.
                throw OAuthError(error: "unauthorized_client", description: "This client may not use client_credentials.", status: 400)
            case let other?:
                throw .unsupportedGrantType(other)
            case nil:
                throw .invalidRequest("grant_type is required.")
            }
            var response = Reply.json(issue, logID: logID)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch {
            return Reply.oauth(error, logID: logID)
        }
    }
}

/// `POST /v2/oauth/revoke/` (reference §1.7): ends the user's authorization of the app; an empty 200 body. An unknown
/// token is answered the same way (RFC 7009 §2.2), so revoking twice is harmless.
struct RevokeEndpoint {
    let app: SandboxApp

    func respond(to request: Request) async -> Response {
        let logID = Identifiers.logID()
        do throws(OAuthError) {
            let form = try await OAuthForm.read(request)
            if let forced = await self.app.state.forcedOAuthError(.revoke) { throw .forced(forced) }
            try OAuthForm.checkClient(form, configuration: self.app.configuration)
            guard let token = form["token"], !token.isEmpty else { throw .invalidRequest("token is required.") }
            await self.app.state.revoke(token: token, clientKey: self.app.configuration.clientKey)
            return Response(status: .ok, headers: [Reply.logIDHeader: logID, .contentLength: "0"])
        } catch {
            return Reply.oauth(error, logID: logID)
        }
    }
}

/// Reading and checking the form body of the OAuth endpoints.
enum OAuthForm {
    /// The fields of an `application/x-www-form-urlencoded` body of at most 64 KiB.
    static func read(_ request: Request) async throws(OAuthError) -> [String: String] {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            throw .invalidRequest("Content-Type must be application/x-www-form-urlencoded.")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 64 * 1024) } catch { throw .invalidRequest("The request body is too large or incomplete.") }
        guard let fields = FormFields.parse(String(buffer: body)) else { throw .invalidRequest("The form body is malformed.") }
        return fields
    }

    /// `client_key` and `client_secret` must be present (`invalid_request`) and right (`invalid_client`).
    static func checkClient(_ form: [String: String], configuration: SandboxConfiguration) throws(OAuthError) {
        guard let key = form["client_key"], !key.isEmpty, let secret = form["client_secret"], !secret.isEmpty else {
            throw .invalidRequest("client_key and client_secret are required.")
        }
        guard key == configuration.clientKey, Self.sameBytes(secret, configuration.clientSecret) else { throw .invalidClient }
    }

    /// Compares without stopping at the first difference.
    private static func sameBytes(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
