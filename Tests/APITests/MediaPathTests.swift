import API
import Foundation
import TestSupport
import Testing

/// Paths given to the store never escape the media root: not by `..`, not absolute, not through a symbolic link.
@Suite struct MediaPathTests {
    let root: String
    let store: MediaStore
    let outside: String

    init() throws {
        self.root = try MediaFixture.temporaryRoot()
        self.store = MediaStore(root: self.root, maxBytes: 1 << 20, probe: MediaProbe(ffprobe: .disabled))
        self.outside = try MediaFixture.temporaryRoot() + "/secret.mp4"
        _ = FileManager.default.createFile(atPath: self.outside, contents: Data("secret".utf8))
        try FileManager.default.createDirectory(atPath: self.root + "/uploads/2026/05", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: self.root + "/uploads/2026/05/a.mp4", contents: Data("video".utf8))
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: self.root)
        try? FileManager.default.removeItem(atPath: (self.outside as NSString).deletingLastPathComponent)
    }

    @Test(arguments: [
        "../x", "/etc/passwd", "uploads/../../x", "uploads/2026/../../../etc/passwd", "", ".", "uploads//a.mp4", "./uploads/2026/05/a.mp4",
        "uploads/2026/05/a.mp4/..", ".incoming/x.part", "uploads/\u{0}a.mp4",
    ])
    func traversalIsRefused(path: String) throws {
        defer { self.cleanUp() }
        #expect(throws: MediaError.self) { try self.store.resolve(path) }
        do {
            _ = try self.store.resolve(path)
        } catch {
            #expect(error.code == .invalidPath, "\(path): \(error.debugDescription)")
        }
        #expect(throws: MediaError.self) { try self.store.remove(path) }
        #expect(FileManager.default.fileExists(atPath: self.outside))
        #expect(FileManager.default.fileExists(atPath: self.root + "/uploads/2026/05/a.mp4"))
    }

    @Test func aSymbolicLinkOutOfTheRootIsRefused() throws {
        defer { self.cleanUp() }
        try FileManager.default.createSymbolicLink(atPath: self.root + "/uploads/evil.mp4", withDestinationPath: self.outside)
        try FileManager.default.createSymbolicLink(
            atPath: self.root + "/uploads/escape", withDestinationPath: (self.outside as NSString).deletingLastPathComponent)
        for path in ["uploads/evil.mp4", "uploads/escape/secret.mp4"] {
            #expect(throws: MediaError(.invalidPath, message: "the path leads outside the media root")) { try self.store.resolve(path) }
            #expect(throws: MediaError(.invalidPath, message: "the path leads outside the media root")) { try self.store.remove(path) }
        }
        #expect(FileManager.default.fileExists(atPath: self.outside))
    }

    @Test func aSymbolicLinkInsideTheRootResolvesAndOnlyTheLinkIsRemoved() throws {
        defer { self.cleanUp() }
        try FileManager.default.createSymbolicLink(atPath: self.root + "/uploads/alias.mp4", withDestinationPath: self.root + "/uploads/2026/05/a.mp4")
        #expect(try self.store.resolve("uploads/alias.mp4") == self.root + "/uploads/2026/05/a.mp4")
        try self.store.remove("uploads/alias.mp4")
        #expect(FileManager.default.fileExists(atPath: self.root + "/uploads/2026/05/a.mp4"))
        #expect(throws: MediaError(.notFound, message: "no such media file")) { try self.store.resolve("uploads/alias.mp4") }
    }

    @Test func missingFilesAndFoldersAreNotFound() throws {
        defer { self.cleanUp() }
        #expect(throws: MediaError(.notFound, message: "no such media file")) { try self.store.resolve("uploads/2026/05/none.mp4") }
        #expect(throws: MediaError(.notFound, message: "no such media file")) { try self.store.resolve("uploads/2026") }
    }

    @Test func aStoredFileIsRemoved() throws {
        defer { self.cleanUp() }
        #expect(try self.store.resolve("uploads/2026/05/a.mp4") == self.root + "/uploads/2026/05/a.mp4")
        try self.store.remove("uploads/2026/05/a.mp4")
        #expect(!FileManager.default.fileExists(atPath: self.root + "/uploads/2026/05/a.mp4"))
        #expect(throws: MediaError(.notFound, message: "no such media file")) { try self.store.remove("uploads/2026/05/a.mp4") }
    }
}
