public import Foundation
public import Postgres

/// Imports scheduled posts from typed rows (`POST /posts/import`). Every row is validated and reported; a dry run
/// writes nothing; a run with a rejected row writes nothing unless it is partial (its valid new rows answer
/// `skipped`); otherwise it inserts every valid row in one transaction with `ON CONFLICT (idempotency_key) DO
/// NOTHING`, so importing the same file again creates nothing new. New posts are `scheduled` with a `post.created`
/// event; the caller enqueues ``PostImportReport/createdPostIDs``.
public struct PostImporter: Sendable {
    /// The most rows one import may hold.
    public static let maxRows = 10_000

    /// The database.
    public let client: PostgresClient

    /// An importer over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// Validates and (unless `dryRun`) imports `rows`, as posts of the job queue `queue`: all of them or none, unless
    /// `partial` (then the valid ones).
    /// - Throws: ``DomainError`` `invalidInput` for no rows or more than ``maxRows``, `database`.
    public func importRows(
        _ rows: [PostImportRow], dryRun: Bool, partial: Bool = false, actor: String? = nil, queue: String = "publish"
    ) async throws(DomainError) -> PostImportReport {
        guard (1...Self.maxRows).contains(rows.count) else {
            throw DomainError.invalidInput([FieldProblem(field: "rows", problem: "must hold 1 to \(Self.maxRows) rows")])
        }
        var checked = rows.map(CheckedRow.init)
        var seen: Set<String> = []
        for index in checked.indices {
            if let key = rows[index].idempotencyKey, !seen.insert(key).inserted {
                checked[index].problems.append(FieldProblem(field: "idempotency_key", problem: "appears in an earlier row"))
            }
        }
        let outcome = try await self.client.domainTransaction { tx in
            let keys = checked.compactMap { $0.problems.isEmpty ? $0.key : nil }
            var existing: [String: UUID] = [:]
            for row in try await tx.query("SELECT id, idempotency_key FROM posts WHERE idempotency_key = ANY(\(keys)::text[])") {
                existing[try row.decode("idempotency_key")] = try row.decode("id")
            }
            let references = try await PostReferences.check(
                tx, accountIDs: Set(checked.compactMap(\.accountID)), mediaIDs: Set(checked.compactMap(\.mediaID)))
            // A row whose post exists is reported as existing, whatever became of its account or media since.
            for index in checked.indices where checked[index].key.flatMap({ existing[$0] }) == nil {
                checked[index].resolve(rows[index], references: references)
            }
            let fresh = checked.filter { $0.problems.isEmpty && existing[$0.key ?? ""] == nil }
            guard !dryRun, !fresh.isEmpty, partial || checked.allSatisfy(\.problems.isEmpty) else { return existing }
            let inserted = try await tx.query("""
                WITH input AS (
                    SELECT * FROM unnest(\(fresh.map { $0.key ?? "" })::text[], \(PostRows.uuidTexts(fresh.compactMap(\.accountID)))::uuid[],
                        \(PostRows.uuidTexts(fresh.compactMap(\.mediaID)))::uuid[], \(fresh.map(\.caption))::text[], \(fresh.map(\.settingsJSON))::text[],
                        \(fresh.map { $0.mode.rawValue })::text[], \(fresh.map { String($0.runAtMicros) })::text[])
                        AS t(key, account_id, media_id, caption, settings, mode, micros)
                ), inserted AS (
                    INSERT INTO posts (account_id, media_id, queue, status, mode, run_at, caption, post_settings, idempotency_key, trace_parent)
                    SELECT account_id, media_id, \(queue), 'scheduled', mode, timestamptz 'epoch' + micros::bigint * interval '1 microsecond', caption,
                        settings::jsonb, key, \(PostTrace.parent)::text
                    FROM input
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING id, idempotency_key
                ), events AS (
                    INSERT INTO post_events (post_id, event, to_status, attempt, actor)
                    SELECT id, \(PostEvent.Name.created), 'scheduled', 0, \(actor)::text FROM inserted
                )
                SELECT id, idempotency_key FROM inserted
                """)
            var created: [String: UUID] = [:]
            for row in inserted { created[try row.decode("idempotency_key")] = try row.decode("id") }
            // Keys a concurrent import inserted first count as existing.
            let raced = fresh.compactMap(\.key).filter { created[$0] == nil }
            if !raced.isEmpty {
                for row in try await tx.query("SELECT id, idempotency_key FROM posts WHERE idempotency_key = ANY(\(raced)::text[])") {
                    existing[try row.decode("idempotency_key")] = try row.decode("id")
                }
            }
            for index in checked.indices { checked[index].createdID = checked[index].key.flatMap { created[$0] } }
            return existing
        }
        let report = checked.enumerated().map { index, row in
            let existingID = row.key.flatMap { outcome[$0] }
            let result: PostImportReport.Outcome =
                !row.problems.isEmpty ? .rejected : existingID != nil ? .existing : row.createdID != nil ? .created : dryRun ? .wouldCreate : .skipped
            return PostImportReport.Row(
                index: index, idempotencyKey: rows[index].idempotencyKey, outcome: result, postID: row.createdID ?? existingID,
                runAt: row.problems.isEmpty ? row.runAt : nil, problems: row.problems)
        }
        return PostImportReport(dryRun: dryRun, rows: report)
    }
}

/// One row on its way through validation.
private struct CheckedRow: Sendable {
    var key: String?
    var accountID: UUID?
    var mediaID: UUID?
    var caption: String
    var mode: Post.Mode = .directPost
    var settingsJSON = "{}"
    var runAt: Date?
    var runAtMicros: Int64 = 0
    var problems: [FieldProblem] = []
    var createdID: UUID?

    /// The checks that need no database.
    init(_ row: PostImportRow) {
        self.key = row.idempotencyKey
        self.caption = row.caption ?? ""
        self.problems += row.readingProblems + PostRules.keyProblems(row.idempotencyKey) + PostRules.captionProblems(row.caption)
        self.accountID = Self.uuid(row.accountID, field: "account_id", problems: &self.problems)
        self.mediaID = Self.uuid(row.mediaID, field: "media_id", problems: &self.problems)
        if let text = row.mode, !text.isEmpty {
            if let mode = Post.Mode(rawValue: text) { self.mode = mode } else {
                self.problems.append(FieldProblem(field: "mode", problem: "must be direct_post or inbox"))
            }
        }
        self.problems += PostRules.settingsProblems(row.postSettings, mode: self.mode)
        if let data = try? JSONEncoder().encode(row.postSettings) { self.settingsJSON = String(decoding: data, as: UTF8.self) }
        self.problems += AccountRules.timezoneProblems(row.timezone.flatMap { $0.isEmpty ? nil : $0 })
        if row.at?.isEmpty ?? true { self.problems.append(FieldProblem(field: "at", problem: "is required")) }
    }

    /// The checks against the database: the account and media exist, and `at` in the row's (or account's) zone.
    mutating func resolve(_ row: PostImportRow, references: PostReferences) {
        self.problems += references.problems(accountID: self.accountID, mediaID: self.mediaID)
        guard let at = row.at, !at.isEmpty else { return }
        let zoneName = row.timezone.flatMap { $0.isEmpty ? nil : $0 } ?? self.accountID.flatMap { references.accounts[$0]?.timezone } ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else { return }
        guard let date = ImportTime.parse(at, in: zone) else {
            self.problems.append(FieldProblem(field: "at", problem: "must be a time like 2026-12-01T09:00:00 that exists in \(zoneName)"))
            return
        }
        self.runAt = date
        self.runAtMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func uuid(_ text: String?, field: String, problems: inout [FieldProblem]) -> UUID? {
        guard let text, !text.isEmpty else {
            problems.append(FieldProblem(field: field, problem: "is required"))
            return nil
        }
        guard let id = UUID(uuidString: text) else {
            problems.append(FieldProblem(field: field, problem: "must be a UUID"))
            return nil
        }
        return id
    }
}
