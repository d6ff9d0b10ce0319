public import Postgres
import Foundation

/// Reelay's schema migrations: the numbered SQL files in `Migrations/sql` (`NNNN_name.sql`), shipped as resources of
/// this module and applied in number order by ``MigrationRunner`` (`reelay migrate`).
public enum SchemaMigrations {
    /// Why the shipped migration files cannot be read; a packaging fault, never user input.
    public struct CatalogError: Error, CustomStringConvertible {
        /// What is wrong, naming the file.
        public var description: String
    }

    /// Every migration, in version order.
    public static func all() throws -> [Migration] {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("sql", isDirectory: true) else {
            throw CatalogError(description: "the migration files are missing from the Reelay_Domain resource bundle")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        return try self.parse(names: names) { name in
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
    }

    /// Builds migrations from file names `NNNN_name.sql` and a way to read each file. Versions must be unique.
    static func parse(names: [String], read: (String) throws -> String) throws -> [Migration] {
        var seen: Set<Int> = []
        return try names.sorted().map { fileName in
            let stem = fileName.dropLast(".sql".count)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw CatalogError(description: "migration file '\(fileName)' is not named NNNN_name.sql")
            }
            guard seen.insert(version).inserted else {
                throw CatalogError(description: "two migration files have version \(version)")
            }
            return Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: try read(fileName))
        }
    }
}
