import Foundation
import Hummingbird

/// `GET /v2/auth/authorize/` (reference §1.2/§1.3). Without `sandbox_open_id` it shows the consent page listing the
/// sandbox creators; with it the creator approves at once and the browser is sent back with `code`, `scopes` and
/// `state`. Sandbox-only parameters: `sandbox_open_id`, `sandbox_decision=deny` (the user refuses: `access_denied`)
/// and `sandbox_scopes` (the user grants only these of the requested scopes).
struct AuthorizeEndpoint {
    let app: SandboxApp

    func respond(to request: Request) async -> Response {
        guard let query = FormFields.parse(request.uri.query ?? "") else { return AuthorizePage.error("The query string is malformed.") }
        // Without a known app and a usable redirect_uri there is nowhere safe to send errors: show them here.
        guard query["client_key"] == self.app.configuration.clientKey else { return AuthorizePage.error("Unknown client_key.") }
        guard let redirect = query["redirect_uri"], RedirectURI.isUsable(redirect) else {
            return AuthorizePage.error(
                "redirect_uri must be an absolute https URL (http only for localhost) under 512 characters, without query or fragment.")
        }
        let state = query["state"] ?? ""
        guard query["response_type"] == "code" else {
            return Self.back(to: redirect, ["error": "unsupported_response_type", "error_description": "response_type must be code."], state)
        }
        let scopes = (query["scope"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !scopes.isEmpty, scopes.allSatisfy(Scope.all.contains) else {
            return Self.back(to: redirect, ["error": "invalid_scope", "error_description": "Unknown or missing scope."], state)
        }
        guard !state.isEmpty else {
            return Self.back(to: redirect, ["error": "invalid_request", "error_description": "state is required."], state)
        }
        guard let openID = query["sandbox_open_id"] else {
            return AuthorizePage.consent(creators: await self.app.state.creatorList, query: request.uri.query ?? "", scopes: scopes)
        }
        if query["sandbox_decision"] == "deny" {
            return Self.back(to: redirect, ["error": "access_denied", "error_description": "The user denied the request."], state)
        }
        let granted = query["sandbox_scopes"].map { only in
            let allowed = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            return scopes.filter(allowed.contains)
        } ?? scopes
        guard !granted.isEmpty else {
            return Self.back(to: redirect, ["error": "access_denied", "error_description": "The user granted no scope."], state)
        }
        guard
            let code = await self.app.state.issueCode(
                clientKey: self.app.configuration.clientKey, openID: openID, scopes: granted, redirectURI: redirect, now: self.app.now())
        else { return AuthorizePage.error("Unknown sandbox_open_id.") }
        return Self.back(to: redirect, ["code": code, "scopes": granted.joined(separator: ","), "state": state], nil)
    }

    /// A redirect to `redirect` with `fields` (and `state`, when given) in its query.
    static func back(to redirect: String, _ fields: [String: String], _ state: String?) -> Response {
        var all = fields
        if let state, !state.isEmpty { all["state"] = state }
        let query = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(FormFields.encode($0.value))" }.joined(separator: "&")
        return Reply.redirect(to: redirect + "?" + query)
    }
}

/// The rules of reference §1.1 for a web redirect URI (http allowed for loopback hosts, as the desktop variant).
enum RedirectURI {
    static func isUsable(_ text: String) -> Bool {
        guard text.count < 512, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil
        else { return false }
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        return scheme == "https" || (scheme == "http" && loopback)
    }
}
