import Foundation

/// The `--state` file: JSON, written whole to a temporary file and renamed over the old one, so a crash mid-write
/// leaves the previous version intact.
struct StateFile: Sendable {
    let path: String

    /// The saved state, or `nil` when the file does not exist yet.
    func load() throws(SandboxServerError) -> StateSnapshot? {
        guard FileManager.default.fileExists(atPath: self.path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: self.path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            return try decoder.decode(StateSnapshot.self, from: data)
        } catch {
            throw SandboxServerError(code: .stateFile, detail: "cannot read \(self.path): \(error)")
        }
    }

    /// Writes `snapshot` atomically.
    func save(_ snapshot: StateSnapshot) throws(SandboxServerError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .secondsSince1970
            try encoder.encode(snapshot).write(to: URL(fileURLWithPath: self.path), options: .atomic)
        } catch {
            throw SandboxServerError(code: .stateFile, detail: "cannot write \(self.path): \(error)")
        }
    }
}
