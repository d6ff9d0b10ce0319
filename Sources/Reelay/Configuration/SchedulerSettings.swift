import Foundation
import Scheduler

/// The settings of `reelay scheduler`, parsed and checked.
struct SchedulerSettings {
    var configuration: SchedulerConfiguration
    /// The API's public base URL, for the media URLs in the jobs the scheduler builds.
    var publicURL: String

    init(_ sources: SettingSources) throws(ConfigurationError) {
        var configuration = SchedulerConfiguration()
        configuration.queues = try sources.read(SettingsCatalog.schedulerQueues) { raw in
            let names = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { return .failure(SettingProblem("must name at least one queue")) }
            for name in names {
                if case .failure(let problem) = SettingParsers.queueName(name) { return .failure(problem) }
            }
            return .success(Array(Set(names)).sorted())
        }
        configuration.lease = try sources.read(SettingsCatalog.schedulerLease, SettingParsers.duration(in: .seconds(1)...(.seconds(300))))
        configuration.lookAhead = try sources.read(SettingsCatalog.schedulerLookAhead, SettingParsers.duration(in: .seconds(2)...(.seconds(86_400))))
        configuration.misfireWindow = try sources.read(
            SettingsCatalog.schedulerMisfireWindow, SettingParsers.duration(in: .seconds(0)...(.seconds(7 * 86_400))))
        configuration.outboxGrace = try sources.read(SettingsCatalog.schedulerOutboxGrace, SettingParsers.duration(in: .seconds(1)...(.seconds(86_400))))
        configuration.outboxInterval = min(.seconds(10), configuration.outboxGrace)
        configuration.refreshAhead = try sources.read(SettingsCatalog.schedulerRefreshAhead, SettingParsers.duration(in: .seconds(60)...(.seconds(7 * 86_400))))
        self.configuration = configuration
        self.publicURL = try sources.read(SettingsCatalog.publicURL, TikTokSettings.baseURL)
    }
}
