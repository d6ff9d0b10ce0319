import ArgumentParser
import Foundation

/// A subcommand whose issue has not landed yet: `--help` tells what it will do; running it says so and exits 2.
protocol PlannedCommand: AsyncParsableCommand {
    /// The issue that delivers it, for the message.
    static var plannedIn: String { get }
}

extension PlannedCommand {
    func run() async throws {
        let name = Self.configuration.commandName ?? "this command"
        FileHandle.standardError.write(Data("reelay \(name): not yet available in this version (\(Self.plannedIn))\n".utf8))
        throw ExitCode(2)
    }
}
