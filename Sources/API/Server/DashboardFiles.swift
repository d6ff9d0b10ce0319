import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The operators' dashboard: `Dashboard/index.html` at `/` and the folder's other files at `/dashboard/<name>`, read
/// once from the module's resources. The files are public (they hold no data); the page asks for an API key and sends
/// it with every `/api/v1` call it makes. Answers carry a content security policy that allows only this origin's
/// scripts, styles and images (and `data:` images), no inline script and no framing.
enum DashboardFiles {
    /// File name → (content type, bytes).
    static let files: [String: (type: String, bytes: Data)] = Self.load()

    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (.cacheControl, "no-cache"),
    ]

    static func register(on router: Router<some RequestContext>) {
        router.get("/") { _, _ in Self.response(for: "index.html") }
        router.get("/dashboard/{file}") { _, context in
            Self.response(for: context.parameters.get("file") ?? "")
        }
    }

    static func response(for name: String) -> Response {
        guard let file = Self.files[name] else {
            return Response(
                status: .notFound, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"code":"not_found","message":"no such dashboard file","details":{}}}"#)))
        }
        var headers: HTTPFields = [.contentType: file.type]
        for (name, value) in Self.securityHeaders { headers[name] = value }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    private static func load() -> [String: (type: String, bytes: Data)] {
        guard let folder = Bundle.module.url(forResource: "Dashboard", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [:] }
        var files: [String: (type: String, bytes: Data)] = [:]
        for name in names {
            guard let type = Self.contentType(of: name), let bytes = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                continue
            }
            files[name] = (type, bytes)
        }
        return files
    }

    /// The content type of the file kinds the dashboard ships; others are not served.
    static func contentType(of name: String) -> String? {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: nil
        }
    }
}
