import Postgres
import Testing

@Suite struct ConfigurationTests {
    @Test func parsesPostgresURL() throws {
        let configuration = try PostgresConfiguration(url: "postgres://reelay:s3cret@db.example.com:6543/app?sslmode=disable&connect_timeout=3")
        #expect(configuration.parameters["host"] == "db.example.com")
        #expect(configuration.parameters["port"] == "6543")
        #expect(configuration.parameters["dbname"] == "app")
        #expect(configuration.parameters["user"] == "reelay")
        #expect(configuration.parameters["password"] == "s3cret")
        #expect(configuration.parameters["sslmode"] == "disable")
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.endpoint == "db.example.com:6543/app")
    }

    @Test func parsesPostgresqlSchemeAndDefaults() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://localhost/reelay")
        #expect(configuration.parameters["dbname"] == "reelay")
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.poolSize == 8)
        #expect(configuration.acquireTimeout == .seconds(5))
        #expect(configuration.statementTimeout == nil)
        #expect(configuration.applicationName == "reelay")
    }

    @Test func parsesKeywordString() throws {
        let configuration = try PostgresConfiguration(url: "host=127.0.0.1 port=5433 dbname=app user=me password='a b' application_name=cli")
        #expect(configuration.parameters["port"] == "5433")
        #expect(configuration.parameters["password"] == "a b")
        #expect(configuration.applicationName == "cli")
        #expect(configuration.endpoint == "127.0.0.1:5433/app")
    }

    @Test(arguments: [
        "", "   ", "mysql://root@localhost/db", "host=localhost port", "postgres://u:p@host:notaport/db",
        "postgres://host/db?nosuchoption=1", "host=localhost bogus_keyword=1",
    ])
    func rejectsMalformed(_ url: String) {
        #expect {
            try PostgresConfiguration(url: url)
        } throws: { error in
            (error as? PostgresError)?.code == .invalidURL
        }
    }

    @Test func redactsPassword() throws {
        let configuration = try PostgresConfiguration(url: "postgres://reelay:hunter2@localhost:5432/app")
        #expect(configuration.redacted.contains("password=***"))
        #expect(!configuration.redacted.contains("hunter2"))
        #expect(!"\(configuration)".contains("hunter2"))
    }

    @Test func parseErrorDoesNotRepeatPassword() {
        do {
            _ = try PostgresConfiguration(url: "postgres://reelay:hunter2@localhost:5432/app?bogus=hunter2")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(!String(reflecting: error).contains("hunter2"))
        }
    }
}
