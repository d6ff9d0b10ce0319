public import Logging
public import ServiceLifecycle
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore

/// A local TikTok API (OAuth v2, Content Posting, upload URLs) on one HTTP port, following TikTok's wire format,
/// limits and errors, with fault injection and inspection under `/_sandbox`. A swift-service-lifecycle `Service`:
/// `run()` serves until graceful shutdown or cancellation, then writes the state file one last time.
public final class SandboxServer: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: SandboxConfiguration
    private let logger: Logger
    private let state: SandboxState
    private let pulls = PullQueue()
    private let port = PortPromise()

    /// A server for `configuration`; nothing happens until ``run()``.
    public init(configuration: SandboxConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.state = SandboxState(configuration: configuration)
    }

    /// Loads the state file, binds, serves until graceful shutdown or cancellation, then saves the state.
    public func run() async throws {
        do {
            try await self.serve()
            self.port.fail(SandboxServerError(code: .stopped, detail: "the sandbox has stopped"))
        } catch {
            self.port.fail(error)
            throw error
        }
    }

    /// Waits until the server is bound and returns its port (the real one when the configuration says 0).
    public func listeningPort() async throws -> Int {
        try await self.port.value()
    }

    /// `http://host:port` once bound: the API host, the authorize page and the upload host all live here.
    public func baseURL() async throws -> String {
        let port = try await self.listeningPort()
        return "http://\(self.app.reachableHost):\(port)"
    }

    private var app: SandboxApp {
        SandboxApp(configuration: self.configuration, state: self.state, pulls: self.pulls, port: self.port, logger: self.logger)
    }

    private func serve() async throws {
        let stateFile = self.configuration.stateFile.map(StateFile.init(path:))
        if let snapshot = try stateFile?.load() { await self.state.restore(snapshot) }
        await self.state.seedIfEmpty(now: self.configuration.clock())
        let port = self.port
        let logger = self.logger
        let application = Application(
            responder: SandboxResponder(app: self.app),
            configuration: ApplicationConfiguration(address: .hostname(self.configuration.host, port: self.configuration.port)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("sandbox listening", metadata: ["port": "\(bound)"])
                port.fulfil(bound)
            },
            logger: self.logger)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        let downloader = PullDownloader(client: client, state: self.state, configuration: self.configuration, logger: self.logger)
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await application.run() }
                group.addTask { await self.runPulls(downloader) }
                if let stateFile { group.addTask { await self.persistPeriodically(stateFile) } }
                // The application ends first (graceful shutdown, cancellation or a bind error); then stop the chores.
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            failure = error
        }
        self.pulls.finish()
        try? await client.shutdown()
        if let stateFile { try stateFile.save(await self.state.snapshot(now: self.configuration.clock())) }
        if let failure { throw failure }
    }

    /// Runs each queued download in its own child task until cancelled.
    private func runPulls(_ downloader: PullDownloader) async {
        await withDiscardingTaskGroup { group in
            for await job in self.pulls.jobs {
                group.addTask { await downloader.download(job) }
            }
        }
    }

    /// Writes the state file whenever it changed, every `stateWriteInterval`.
    private func persistPeriodically(_ file: StateFile) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.configuration.stateWriteInterval)
            guard let snapshot = await self.state.takeSnapshotIfDirty(now: self.configuration.clock()) else { continue }
            do { try file.save(snapshot) } catch { self.logger.error("cannot write the state file", metadata: ["error": "\(error)"]) }
        }
    }
}
