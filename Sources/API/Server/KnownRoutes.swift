import Foundation

/// The paths and methods of the OpenAPI document, so a known path asked with a method it does not take answers
/// `405 method_not_allowed` with `Allow`, and only an unknown path answers `404 route_not_found`.
struct KnownRoutes: Sendable {
    private let routes: [(segments: [String], methods: [String])]

    /// Reads `paths` of the served document (`{name}` segments match any one segment).
    init(document: Data) {
        let object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any]
        let paths = object?["paths"] as? [String: Any] ?? [:]
        let verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var routes = paths.map { path, item in
            (segments: Self.segments(path), methods: verbs.filter { (item as? [String: Any])?[$0] != nil }.map { $0.uppercased() })
        }
        routes += [(segments: ["openapi.json"], methods: ["GET"]), (segments: ["docs"], methods: ["GET"])]
        self.routes = routes
    }

    /// The methods `path` takes (empty for an unknown path).
    func methods(for path: String) -> [String] {
        let asked = Self.segments(path)
        // Literal segments win over `{name}` ones: `/accounts/connect` is not `/accounts/{id}`.
        var best = -1
        var methods: Set<String> = []
        for route in self.routes where route.segments.count == asked.count {
            guard zip(route.segments, asked).allSatisfy({ template, segment in template.hasPrefix("{") || template == segment }) else { continue }
            let literals = route.segments.filter { !$0.hasPrefix("{") }.count
            if literals > best {
                best = literals
                methods = Set(route.methods)
            } else if literals == best {
                methods.formUnion(route.methods)
            }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted()
    }

    private static func segments(_ path: String) -> [String] {
        path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/").map(String.init) } ?? []
    }
}
