import Domain
import Foundation
import JobQueue
import Logging
import OpenAPIRuntime

/// `POST /posts/import`: JSON rows or a CSV file, validated and imported by Domain's ``PostImporter`` (one transaction,
/// `ON CONFLICT (idempotency_key) DO NOTHING`, so the same file twice creates nothing new). The new posts are then
/// marked `queued` and pushed to the queue at their run time.
extension APIHandlers {
    func importPosts(_ input: Operations.ImportPosts.Input) async throws -> Operations.ImportPosts.Output {
        let rows: [PostImportRow]
        switch input.body {
        case .json(let body):
            rows = body.rows.map { row in
                PostImportRow(
                    idempotencyKey: row.idempotencyKey, mediaID: row.mediaId, accountID: row.accountId, caption: row.caption, at: row.at,
                    timezone: row.timezone, postSettings: row.postSettings.map { Self.jsonObject($0) } ?? [:], mode: row.mode?.rawValue)
            }
        case .csv(let body):
            rows = try await CSVRows.read(body, columns: Self.postImportColumns.union(Self.postSettingColumns)).rows.map(Self.postImportRow)
        }
        let dryRun = input.query.dryRun ?? false
        let partial = input.query.partial ?? false
        let report = try await PostImporter(client: self.postgres).importRows(
            rows, dryRun: dryRun, partial: partial, actor: self.actor, queue: self.configuration.queue)
        if !dryRun, !partial, report.count(.rejected) > 0 {
            throw Self.rejectedRows(report.rows.map { ($0.index + 1, $0.problems) }, of: report.rows.count, what: "posts")
        }
        if !dryRun, !report.createdPostIDs.isEmpty {
            do {
                let queued = try await self.posts.markQueued(report.createdPostIDs, actor: self.actor)
                await self.enqueueAfterCommit(queued, now: try await self.clock.now())
            } catch {
                // The posts stay `scheduled`: the scheduler queues them when they are near.
                self.logger.warning("imported posts were not marked queued", metadata: ["count": "\(report.createdPostIDs.count)"])
            }
        }
        let results = report.rows.map { row in
            Components.Schemas.PostImportRowResult(
                row: row.index + 1, status: Components.Schemas.PostImportRowResult.StatusPayload(rawValue: row.outcome.rawValue) ?? .rejected,
                postId: row.postID.map(Self.text), errors: row.problems.map { .init(field: $0.field, problem: $0.problem) })
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        dryRun: dryRun, created: report.count(dryRun ? .wouldCreate : .created), existing: report.count(.existing),
                        rejected: report.count(.rejected), rows: results))))
    }

    /// The 422 of an all-or-nothing import with bad rows: every bad row's fields as `rows[N].field` (N counts from 1), at
    /// most ``maximumReportedProblems`` of them, the rest counted in the message.
    static func rejectedRows(_ rows: [(number: Int, problems: [FieldProblem])], of total: Int, what: String) -> APIError {
        let bad = rows.filter { !$0.problems.isEmpty }
        let all = bad.flatMap { row in row.problems.map { FieldProblem(field: "rows[\(row.number)].\($0.field)", problem: $0.problem) } }
        let shown = Array(all.prefix(Self.maximumReportedProblems))
        var message = "\(bad.count) of \(total) rows are invalid, so no \(what) were imported (fix them, or import the good rows with partial=true)"
        if shown.count < all.count { message += "; the first \(shown.count) of \(all.count) problems are listed" }
        return APIError.validation(shown, message: message)
    }

    /// The most problems one refused import lists.
    static let maximumReportedProblems = 1000

    /// The columns of a post import CSV besides the post settings.
    static let postImportColumns: Set<String> = ["idempotency_key", "media_id", "account_id", "caption", "at", "timezone", "mode"]
    /// The post settings' columns, named like the fields of `post_settings`.
    static let postSettingColumns: Set<String> = [
        "privacy_level", "disable_comment", "disable_duet", "disable_stitch", "brand_content_toggle", "brand_organic_toggle", "is_aigc",
        "video_cover_timestamp_ms",
    ]

    /// One CSV line as an import row: flags read `true`/`false` (also `1`/`0`, `yes`/`no`), the cover timestamp a whole
    /// number; a cell that reads as neither stays text, for Domain to report under `post_settings.<column>`.
    /// Every cell is a text cell guarded against spreadsheet formulas (``CSVRows/text(_:)``).
    static func postImportRow(_ row: CSVRows.Row) -> PostImportRow {
        var formulas: [FieldProblem] = []
        var cells: [String: String] = [:]
        for (column, raw) in row.cells {
            let (value, isFormula) = CSVRows.text(raw)
            if isFormula {
                let field = Self.postSettingColumns.contains(column) ? "post_settings.\(column)" : column
                formulas.append(FieldProblem(field: field, problem: CSVRows.formulaProblem))
            }
            cells[column] = value ?? raw  // the row is rejected anyway; the raw text keeps "is required" from adding noise
        }
        let row = CSVRows.Row(number: row.number, cells: cells)
        var settings: [String: JSONValue] = [:]
        for column in Self.postSettingColumns {
            guard let cell = row[column]?.trimmingCharacters(in: .whitespaces), !cell.isEmpty else { continue }
            switch column {
            case "privacy_level":
                settings[column] = .string(cell)
            case "video_cover_timestamp_ms":
                settings[column] = Int(cell).map { .number(Double($0)) } ?? .string(cell)
            default:
                switch cell.lowercased() {
                case "true", "1", "yes": settings[column] = .bool(true)
                case "false", "0", "no": settings[column] = .bool(false)
                default: settings[column] = .string(cell)
                }
            }
        }
        return PostImportRow(
            idempotencyKey: row["idempotency_key"], mediaID: row["media_id"]?.trimmingCharacters(in: .whitespaces),
            accountID: row["account_id"]?.trimmingCharacters(in: .whitespaces), caption: row["caption"], at: row["at"],
            timezone: row["timezone"]?.trimmingCharacters(in: .whitespaces), postSettings: settings, mode: row["mode"]?.trimmingCharacters(in: .whitespaces),
            readingProblems: formulas.sorted { $0.field < $1.field })
    }
}
