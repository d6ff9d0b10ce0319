import ArgumentParser
import Foundation
import JobQueue
import Logging
import Redis
import Synchronization
import TikTok

/// `reelay demo`: publishes one demo video through the whole pipeline against a running `reelay sandbox` and a running
/// worker (`make run` starts both): a sandbox creator, its access token in the workers' encrypted cache, a video in the
/// media root, one `reelay.publish.video` job; then waits for the outcome and shows where to look.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Publish a demo video to `reelay sandbox` through the queue and a worker, and show the result.",
        discussion: "Only for a local sandbox: it creates a sandbox creator and token through the sandbox's /_sandbox endpoints.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("sandbox-url"), help: "The running sandbox.") var sandboxURL = "http://127.0.0.1:9400"
    @Option(name: .customLong("queue"), help: "The queue the worker takes publish jobs from.") var queue = "publish"
    @Option(name: .customLong("media-root"), help: SettingsCatalog.mediaRoot.argumentHelp) var mediaRoot: String?
    @Option(name: .customLong("wait"), help: "Seconds to wait for the post to be published.") var wait = 90

    func run() async throws {
        let (settings, tiktok, root) = try GlobalOptions.exitingOnBadSettings {
            let sources = try self.global.sources(extraFlags: self.mediaRoot.map { [SettingsCatalog.mediaRoot.flag: $0] } ?? [:])
            return (try ReelaySettings(sources), try TikTokSettings(sources), try sources.read(SettingsCatalog.mediaRoot, WorkerSettings.parseFolder))
        }
        guard let cipher = tiktok.cipher else {
            FileHandle.standardError.write(Data("reelay demo: REELAY_ENCRYPTION_KEY is not set (make run writes one to .data/secrets.env)\n".utf8))
            throw ExitCode(2)
        }
        guard (try? QueueKeys.validate(queue: self.queue)) != nil, (5...3600).contains(self.wait) else {
            FileHandle.standardError.write(Data("reelay demo: --queue must be a queue name and --wait 5…3600 seconds\n".utf8))
            throw ExitCode(2)
        }
        let logger = settings.logger(label: "reelay.demo")
        let redis = RedisClient(configuration: settings.redis, logger: logger)
        let demo = DemoRun(
            sandbox: DemoSandbox(baseURL: self.sandboxURL), redis: redis, cipher: cipher, mediaRoot: root, queue: self.queue,
            wait: .seconds(self.wait))
        let published = PublishedFlag()
        try await FailureReport.exitingOnFailure(command: "demo") {
            try await OneShot.run(clients: [redis], logger: logger) { published.set(try await demo.run()) }
        }
        if !published.value { throw ExitCode(1) }
    }
}

/// Whether the demo post was published (set from inside the one-shot service).
final class PublishedFlag: Sendable {
    private let state = Mutex(false)
    var value: Bool { self.state.withLock { $0 } }
    func set(_ value: Bool) { self.state.withLock { $0 = value } }
}
