import ArgumentParser

@main
struct ReelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reelay", abstract: "Publish videos to TikTok on schedule.")
    func run() async throws {}
}
