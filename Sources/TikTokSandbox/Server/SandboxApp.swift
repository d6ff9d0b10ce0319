import Foundation
import Hummingbird
import Logging

/// What every endpoint shares: the state, the configuration, the pull queue and the bound port.
struct SandboxApp: Sendable {
    let configuration: SandboxConfiguration
    let state: SandboxState
    let pulls: PullQueue
    let port: PortPromise
    let logger: Logger

    /// The configured wall clock (``SandboxConfiguration/clock``).
    func now() -> Date { self.configuration.clock() }

    /// `http://host:port` as the client reached us: the request's `Host` when it sent one, else the bound address.
    func baseURL(for request: Request) -> String {
        if let authority = request.head.authority, !authority.isEmpty { return "http://" + authority }
        return "http://\(self.reachableHost):\(self.port.boundPort ?? self.configuration.port)"
    }

    /// The configured host, with wildcard addresses replaced by loopback.
    var reachableHost: String {
        switch self.configuration.host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        case let host where host.contains(":"): "[\(host)]"
        case let host: host
        }
    }
}
