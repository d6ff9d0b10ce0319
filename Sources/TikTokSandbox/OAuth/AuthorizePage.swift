import Foundation
import Hummingbird

/// The HTML of the authorize step: the consent page and the error page.
enum AuthorizePage {
    /// Lists the creators; each link approves as that creator (the same URL plus `sandbox_open_id`).
    static func consent(creators: [Creator], query: String, scopes: [String]) -> Response {
        let base = "/v2/auth/authorize/?" + query
        let items = creators.map { creator in
            let approve = base + "&sandbox_open_id=" + FormFields.encode(creator.openID)
            return """
                <li><a href="\(self.escape(approve))">\(self.escape(creator.nickname)) (@\(self.escape(creator.username)))</a> \
                <small>\(self.escape(creator.openID))</small> · <a href="\(self.escape(approve + "&sandbox_decision=deny"))">deny</a></li>
                """
        }
        let list = items.isEmpty ? "<p>No sandbox creators yet: POST /_sandbox/creators to add one.</p>" : "<ul>\(items.joined())</ul>"
        return Reply.html(
            self.page(
                title: "Authorize app",
                body: "<p>The app asks for: \(self.escape(scopes.joined(separator: ", ")))</p><p>Continue as:</p>\(list)"))
    }

    /// A 400 page for requests that cannot be sent back to the app.
    static func error(_ message: String) -> Response {
        Reply.html(self.page(title: "Authorization error", body: "<p>\(self.escape(message))</p>"), status: 400)
    }

    private static func page(title: String, body: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>TikTok sandbox · \(title)</title></head>
        <body><h1>\(title)</h1>\(body)<p><small>Reelay sandbox: a local stand-in for TikTok's authorization page.</small></p></body></html>
        """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
