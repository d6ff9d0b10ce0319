public import Foundation
public import Postgres

/// A media file to record after ingest (the file is already under the media root).
public struct NewMedia: Sendable, Hashable {
    /// The file, relative to the media root.
    public var path: String
    /// The client's file name, if sent.
    public var originalName: String?
    /// The container's MIME type.
    public var contentType: String
    /// The file's size in bytes (> 0).
    public var sizeBytes: Int64
    /// SHA-256 of the file (32 bytes).
    public var sha256: Data
    /// What probing found.
    public var probe: [String: JSONValue]

    /// A media file to record.
    public init(path: String, originalName: String?, contentType: String, sizeBytes: Int64, sha256: Data, probe: [String: JSONValue] = [:]) {
        self.path = path
        self.originalName = originalName
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.probe = probe
    }

    /// Every bad field: a relative path that cannot climb out of the media root, a `type/subtype` content type, a
    /// positive size, a 32-byte digest.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        let segments = self.path.split(separator: "/", omittingEmptySubsequences: false)
        if !(1...1024).contains(self.path.utf8.count) || self.path.hasPrefix("/") || segments.contains("..")
            || self.path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            problems.append(FieldProblem(field: "path", problem: "must be a relative path of 1 to 1024 bytes without '..'"))
        }
        problems += AccountRules.textProblems(self.originalName, field: "original_name", range: 0...1024)
        let parts = self.contentType.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count != 2 || parts.contains(where: \.isEmpty) || self.contentType.utf8.count > 255
            || self.contentType.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " })
        {
            problems.append(FieldProblem(field: "content_type", problem: "must be a MIME type such as video/mp4"))
        }
        if self.sizeBytes <= 0 { problems.append(FieldProblem(field: "size_bytes", problem: "must be greater than 0")) }
        if self.sha256.count != 32 { problems.append(FieldProblem(field: "sha256", problem: "must be 32 bytes")) }
        return problems
    }
}

/// The `media` records. Deleting media is refused (`inUse`) while an unfinished post or a campaign that is not
/// finished uses it; media that only finished posts or campaigns reference is hidden (`deleted_at`) rather than
/// removed, so their history stays whole. Either way the caller gets the path back to delete the file.
public struct MediaRepository: Sendable {
    /// The database.
    public let client: PostgresClient

    /// A repository over `client`.
    public init(client: PostgresClient) { self.client = client }

    /// What ``delete(id:)`` did; the caller deletes ``path`` under the media root.
    public struct Deletion: Sendable, Hashable {
        /// The file to delete, relative to the media root.
        public var path: String
        /// `true` when the row was kept (hidden) because finished posts or campaigns reference it.
        public var archived: Bool
    }

    /// Records ingested media.
    /// - Throws: ``DomainError`` `invalidInput` listing every bad field, `conflict` when the path is recorded already,
    ///   `database`.
    public func insert(_ media: NewMedia) async throws(DomainError) -> Media {
        let problems = media.problems
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        let rows = try await self.client.domainQuery("""
            INSERT INTO media (path, original_name, content_type, size_bytes, sha256, probe)
            VALUES (\(media.path), \(media.originalName)::text, \(media.contentType), \(media.sizeBytes), \(media.sha256), \(json: media.probe))
            RETURNING *
            """)
        guard let row = rows.first else { throw DomainError(.database, "the insert returned no row") }
        return try Self.media(row)
    }

    /// Media newest first.
    /// - Throws: ``DomainError`` `invalidInput` (bad cursor or limit), `database`.
    public func list(page: PageRequest = PageRequest()) async throws(DomainError) -> Page<Media> {
        let cursor = try page.validate()
        let rows = try await self.client.domainQuery("""
            SELECT * FROM media
            WHERE deleted_at IS NULL
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.createdAt)::timestamptz, \(cursor?.id)::uuid))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.limit + 1)
            """)
        var items: [Media] = []
        for row in rows { items.append(try Self.media(row)) }
        return Page(fetched: items, request: page) { PageCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// The media with `id`.
    /// - Throws: ``DomainError`` `notFound` (also for deleted media), `database`.
    public func get(id: UUID) async throws(DomainError) -> Media {
        let rows = try await self.client.domainQuery("SELECT * FROM media WHERE id = \(id) AND deleted_at IS NULL")
        guard let row = rows.first else { throw DomainError.notFound("media", id: id) }
        return try Self.media(row)
    }

    /// Deletes the media record (see the type's documentation) and returns the file's path.
    /// - Throws: ``DomainError`` `inUse` while an unfinished post or campaign uses it, `notFound`, `database`.
    public func delete(id: UUID) async throws(DomainError) -> Deletion {
        try await self.client.domainTransaction { tx in
            // The row lock makes concurrent post and campaign_media inserts (key-share locks) wait for the outcome.
            let found = try await tx.query("SELECT path FROM media WHERE id = \(id) AND deleted_at IS NULL FOR UPDATE")
            guard let row = found.first else { throw DomainError.notFound("media", id: id) }
            let path = try row.decode("path", as: String.self)
            let usage = try await tx.query("""
                SELECT
                    (SELECT count(*) FROM posts WHERE media_id = \(id) AND status = ANY(\(PostStatus.activeTexts)::text[])) AS active_posts,
                    (SELECT count(*) FROM campaign_media cm JOIN campaigns c ON c.id = cm.campaign_id
                        WHERE cm.media_id = \(id) AND c.status NOT IN ('completed', 'cancelled')) AS active_campaigns,
                    (SELECT count(*) FROM posts WHERE media_id = \(id)) + (SELECT count(*) FROM campaign_media WHERE media_id = \(id)) AS refs
                """)
            let activePosts = try usage.first?.decode("active_posts", as: Int.self) ?? 0
            let activeCampaigns = try usage.first?.decode("active_campaigns", as: Int.self) ?? 0
            let references = try usage.first?.decode("refs", as: Int.self) ?? 0
            if activePosts > 0 || activeCampaigns > 0 {
                throw DomainError(.inUse, "the media is used by \(activePosts) unfinished post(s) and \(activeCampaigns) unfinished campaign(s)")
            }
            if references == 0 {
                try await tx.execute("DELETE FROM media WHERE id = \(id)")
                return Deletion(path: path, archived: false)
            }
            try await tx.execute("UPDATE media SET deleted_at = now() WHERE id = \(id)")
            return Deletion(path: path, archived: true)
        }
    }

    /// The SHA-256 of each of `ids` that exists (deleted ones included: a queued post may still need its file).
    public func sha256s(ids: [UUID]) async throws(DomainError) -> [UUID: Data] {
        guard !ids.isEmpty else { return [:] }
        let texts = ids.map { $0.uuidString.lowercased() }
        let rows = try await self.client.domainQuery("SELECT id, sha256 FROM media WHERE id = ANY(\(texts)::uuid[])")
        var found: [UUID: Data] = [:]
        do {
            for row in rows { found[try row.decode("id", as: UUID.self)] = try row.decode("sha256", as: Data.self) }
        } catch {
            throw DomainError(.database, "a media row did not decode")
        }
        return found
    }

    /// Decodes a `media` row.
    static func media(_ row: PostgresRow) throws(DomainError) -> Media {
        do {
            return Media(
                id: try row.decode("id"), path: try row.decode("path"), originalName: try row.decode("original_name"),
                contentType: try row.decode("content_type"), sizeBytes: try row.decode("size_bytes"), sha256: try row.decode("sha256"),
                probe: try row.decodeJSON("probe"), createdAt: try row.decode("created_at"))
        } catch {
            throw DomainError(.database, "a media row did not decode", underlying: error)
        }
    }
}
