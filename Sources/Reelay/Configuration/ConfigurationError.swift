/// A configuration value that cannot be used. Printed as one line naming the variable, where it came from and what is
/// wrong; the process then exits with code 2.
struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The `REELAY_*` variable (or the config file) at fault.
    var variable: String
    /// Where the bad value came from.
    var source: SettingSource
    /// What is wrong, and what would be right.
    var problem: String

    var description: String { "invalid \(self.variable) (from \(self.source)): \(self.problem)" }
}

/// Where a setting's value came from, in rising order of precedence.
enum SettingSource: Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment
    case flag(String)

    var description: String {
        switch self {
        case .defaultValue: "the default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment: "the environment"
        case .flag(let name): "flag --\(name)"
        }
    }
}
