import API
import Foundation

/// The settings of `reelay api`, parsed and checked.
struct APISettings {
    var configuration: APIConfiguration

    init(_ sources: SettingSources) throws(ConfigurationError) {
        var configuration = APIConfiguration()
        configuration.host = try sources.read(SettingsCatalog.apiHost) { raw in
            let text = raw.trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? .failure(SettingProblem("must name an address")) : .success(text)
        }
        configuration.port = try sources.read(SettingsCatalog.apiPort, SettingParsers.integer(in: 0...65535))
        configuration.publicURL = try sources.read(SettingsCatalog.publicURL, TikTokSettings.baseURL)
        configuration.corsOrigins = try sources.read(SettingsCatalog.apiCORSOrigins) { raw in
            let origins = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in origins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
                return .failure(SettingProblem("'\(origin.prefix(100))' is not an origin (http(s)://host[:port])"))
            }
            return .success(origins)
        }
        configuration.requestsPerMinute = try sources.read(SettingsCatalog.apiRateLimit, SettingParsers.integer(in: 0...1_000_000))
        configuration.queue = try sources.read(SettingsCatalog.apiQueue, SettingParsers.queueName)
        configuration.maxBody = try sources.read(SettingsCatalog.apiMaxBody, SettingParsers.integer(in: 1024...(1 << 30)))
        configuration.maxUpload = Int64(try sources.read(SettingsCatalog.mediaMaxBytes, SettingParsers.integer(in: 1024...(4 << 30))))
        configuration.mediaRoot = try sources.read(SettingsCatalog.mediaRoot, WorkerSettings.parseFolder)
        self.configuration = configuration
    }
}
