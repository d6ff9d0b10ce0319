import Domain
import Foundation
import Postgres
import Testing

@Suite struct MediaRepositoryTests {
    @Test func insertValidatesEveryFieldBeforeTheDatabase() async throws {
        try await withMigratedSchema { client in
            let repository = MediaRepository(client: client)
            let error = await expectDomainError(.invalidInput) {
                _ = try await repository.insert(NewMedia(path: "../etc/passwd", originalName: nil, contentType: "video", sizeBytes: 0, sha256: Data([1])))
            }
            #expect(Set(error?.details.map(\.field) ?? []) == ["path", "content_type", "size_bytes", "sha256"])
            let media = try await Fixtures.media(client, duration: 31)
            #expect(media.durationSeconds == 31 && media.sha256Hex == String(repeating: "07", count: 32))
            #expect(try await repository.get(id: media.id) == media)
            await expectDomainError(.conflict) {
                _ = try await repository.insert(NewMedia(path: media.path, originalName: nil, contentType: "video/mp4", sizeBytes: 1, sha256: media.sha256))
            }
        }
    }

    @Test func listPagesAndDeleteIsRefusedWhileUsed() async throws {
        try await withMigratedSchema { client in
            let repository = MediaRepository(client: client)
            let media = [try await Fixtures.media(client), try await Fixtures.media(client), try await Fixtures.media(client)]
            let first = try await repository.list(page: PageRequest(limit: 2))
            let second = try await repository.list(page: PageRequest(cursor: try #require(first.nextCursor), limit: 2))
            #expect((first.items + second.items).map(\.id) == media.reversed().map(\.id) && second.nextCursor == nil)

            let account = try await Fixtures.account(client)
            let post = try await Fixtures.post(client, account: account.id, media: media[0].id)
            await expectDomainError(.inUse) { _ = try await repository.delete(id: media[0].id) }
            try await Fixtures.force(client, post: post.id, to: .failed)
            let archived = try await repository.delete(id: media[0].id)
            #expect(archived.path == media[0].path && archived.archived)
            await expectDomainError(.notFound) { _ = try await repository.get(id: media[0].id) }
            #expect(try await repository.delete(id: media[1].id).archived == false)
            #expect(try await repository.list().items.map(\.id) == [media[2].id])
            await expectDomainError(.notFound) { _ = try await repository.delete(id: media[1].id) }
        }
    }
}
