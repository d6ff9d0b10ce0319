import ArgumentParser
import Foundation
import JobQueue
import Logging
import Postgres
import Redis
import Testing

@testable import Reelay

@Suite struct EnvironmentFileTests {
    @Test func parsesCommentsQuotesAndExport() throws {
        let file = try EnvironmentFile(
            parsing: """
                # a comment

                REELAY_LOG_LEVEL=debug
                export REELAY_REDIS_URL = "redis://h:1/2"
                REELAY_DATABASE_URL='postgres://u:p#x@h/db'
                REELAY_REDIS_POOL_SIZE=4 # trailing comment
                REELAY_REDIS_POOL_SIZE=5
                """, path: "test.env")
        #expect(file.entries["REELAY_LOG_LEVEL"] == .init(value: "debug", line: 3))
        #expect(file.entries["REELAY_REDIS_URL"]?.value == "redis://h:1/2")
        #expect(file.entries["REELAY_DATABASE_URL"]?.value == "postgres://u:p#x@h/db")
        #expect(file.entries["REELAY_REDIS_POOL_SIZE"] == .init(value: "5", line: 7), "a later line wins")
    }

    @Test(arguments: ["JUST_A_NAME", "lower=case", "REELAY_X=\"unterminated"])
    func rejectsMalformedLines(_ line: String) {
        #expect(throws: ConfigurationError.self) { try EnvironmentFile(parsing: line, path: "bad.env") }
    }

    @Test func aMissingFileIsAClearError() {
        #expect(throws: ConfigurationError(variable: "--config", source: .flag("config"), problem: "cannot read file '/nonexistent.env'")) {
            try EnvironmentFile(contentsOf: "/nonexistent.env")
        }
    }
}

@Suite struct SettingSourcesTests {
    let file = try! EnvironmentFile(parsing: "REELAY_LOG_LEVEL=error\nREELAY_REDIS_POOL_SIZE=3", path: "f.env")

    @Test func flagsBeatEnvironmentBeatFileBeatDefaults() {
        let all = SettingSources(
            flags: ["log-level": "debug"], environment: ["REELAY_LOG_LEVEL": "warning"], file: self.file)
        #expect(all.value(of: SettingsCatalog.logLevel).value == "debug")
        let noFlag = SettingSources(flags: [:], environment: ["REELAY_LOG_LEVEL": "warning"], file: self.file)
        #expect(noFlag.value(of: SettingsCatalog.logLevel).value == "warning")
        #expect(noFlag.value(of: SettingsCatalog.logLevel).source == .environment)
        let fileOnly = SettingSources(flags: [:], environment: [:], file: self.file)
        #expect(fileOnly.value(of: SettingsCatalog.logLevel).value == "error")
        #expect(fileOnly.value(of: SettingsCatalog.logLevel).source == .file(path: "f.env", line: 1))
        let nothing = SettingSources(flags: [:], environment: [:], file: nil)
        #expect(nothing.value(of: SettingsCatalog.logLevel) == ("info", .defaultValue))
    }

    @Test func anUnknownNameInTheFileIsAnError() throws {
        let typo = try EnvironmentFile(parsing: "REELAY_REDIS_URLL=redis://x", path: "t.env")
        let sources = SettingSources(flags: [:], environment: [:], file: typo)
        #expect(throws: ConfigurationError.self) { try sources.validateFile() }
    }

    @Test func badValuesNameTheVariableAndTheSource() {
        let sources = SettingSources(flags: [:], environment: ["REELAY_REDIS_POOL_SIZE": "lots"], file: nil)
        #expect(throws: ConfigurationError(
            variable: "REELAY_REDIS_POOL_SIZE", source: .environment,
            problem: "must be a whole number from 1 to 1024, got 'lots'")
        ) { try ReelaySettings(sources) }
    }

    @Test func resolvesEveryDefault() throws {
        let settings = try ReelaySettings(SettingSources(flags: [:], environment: [:], file: nil))
        #expect(settings.logLevel == .info)
        #expect(settings.redis.poolSize == 8)
        #expect(settings.redis.connectTimeout == .seconds(2))
        #expect(settings.database.poolSize == 8)
    }

    @Test(arguments: [
        ("REELAY_REDIS_URL", "http://nope"), ("REELAY_REDIS_URL", "redis://host:notaport"),
        ("REELAY_DATABASE_URL", "mysql://x"), ("REELAY_REDIS_CONNECT_TIMEOUT", "forever"),
        ("REELAY_REDIS_COMMAND_TIMEOUT", "0ms"), ("REELAY_DATABASE_POOL_SIZE", "0"), ("REELAY_LOG_LEVEL", "loud"),
    ])
    func rejectsBadValues(variable: String, value: String) {
        let sources = SettingSources(flags: [:], environment: [variable: value], file: nil)
        do {
            _ = try ReelaySettings(sources)
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.variable == variable)
            #expect(error.source == .environment)
        }
    }
}

@Suite struct SettingParserTests {
    @Test(arguments: [("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1.5s", .milliseconds(1500)), ("3", .seconds(3)), ("1m", .seconds(60))])
    func parsesDurations(raw: String, expected: Duration) throws {
        #expect(try SettingParsers.duration(in: .zero...(.seconds(3600)))(raw).get() == expected)
    }

    @Test(arguments: ["", "s", "-1s", "2 parsecs", "nan"])
    func rejectsBadDurations(raw: String) {
        #expect(throws: SettingProblem.self) { try SettingParsers.duration(in: .zero...(.seconds(3600)))(raw).get() }
    }
}

@Suite struct ExampleFileTests {
    /// config/reelay.example.env documents every setting, with its default, and nothing else.
    @Test func exampleFileListsEverySettingWithItsDefault() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try EnvironmentFile(contentsOf: root.appendingPathComponent("config/reelay.example.env").path)
        let catalog = Dictionary(uniqueKeysWithValues: SettingsCatalog.all.map { ($0.variable, $0.defaultValue) })
        #expect(Set(example.entries.keys) == Set(catalog.keys))
        for (name, entry) in example.entries { #expect(catalog[name] == entry.value, "\(name)") }
    }
}

@Suite struct GlobalOptionsTests {
    /// Every global setting of the catalog has its flag, and the flag reaches the setting.
    @Test func everyGlobalSettingHasAWorkingFlag() throws {
        let arguments = SettingsCatalog.global.flatMap { ["--\($0.flag)", "value-of-\($0.flag)"] }
        let options = try GlobalOptions.parse(arguments)
        #expect(Set(options.flags.keys) == Set(SettingsCatalog.global.map(\.flag)))
        for setting in SettingsCatalog.global { #expect(options.flags[setting.flag] == "value-of-\(setting.flag)") }
    }

    @Test func workerQueuesParseWithWeights() throws {
        let queues = try WorkerSettings.parseQueues("publish:3, bulk").get()
        #expect(queues.map(\.name) == ["publish", "bulk"])
        #expect(queues.map(\.weight) == [3, 1])
        for bad in ["", "Publish", "a:0", "a:x", "a,a", "a:1:2"] {
            #expect(throws: SettingProblem.self, "\(bad)") { try WorkerSettings.parseQueues(bad).get() }
        }
    }
}
