import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the connection, which fault injection closes to drop a
/// response after its action was committed.
struct SandboxContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
